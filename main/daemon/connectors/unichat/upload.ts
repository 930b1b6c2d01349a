// Large files go up in chunks (attachment_by_chunks, async mode): each chunk
// at most 1 MiB of bytes, base64, with its chunk_id; the server assembles them
// by chunk_id whatever order they arrive in and checks the whole file's size
// and CRC-32 (unsigned) once every byte is there. The first request creates
// the upload (upload_id null, file_size, file_checksum, file_name); the rest
// go a few at a time. A wrong checksum is the server's checksum_mismatch, a
// PermanentError that says so.
import type { UnichatSession } from './session.js';
import { UploadAnswer } from './wire.js';

export const ASYNC_CHUNK_BYTES = 1_048_576;

export interface UploadOptions {
  chunkBytes?: number;
  /** Chunks in flight at once after the first. */
  concurrency?: number;
  /** The order chunks are sent in (tests send them shuffled); ascending by default. */
  chunkOrder?: (count: number) => number[];
}

/** Uploads `bytes` and returns the upload_id a post attaches. */
export async function uploadInChunks(
  s: UnichatSession,
  file: { bytes: Buffer; name: string; mime: string },
  signal: AbortSignal,
  options: UploadOptions = {},
): Promise<number> {
  const size = Math.min(options.chunkBytes ?? ASYNC_CHUNK_BYTES, ASYNC_CHUNK_BYTES);
  const count = Math.max(1, Math.ceil(file.bytes.length / size));
  const order = options.chunkOrder?.(count) ?? [...Array(count).keys()];
  if (order.length !== count || new Set(order).size !== count)
    throw new Error(`chunkOrder must name each of the ${count} chunks once`);
  const chunk = (i: number) => file.bytes.subarray(i * size, (i + 1) * size).toString('base64');
  const send = (i: number, uploadId: number | null) =>
    s.transport.call(
      'attachment_by_chunks',
      {
        async: true,
        chunk_id: i,
        file_chunk: chunk(i),
        upload_id: uploadId,
        ...(uploadId === null
          ? {
              file_size: file.bytes.length,
              // node:zlib loads with the first upload, not with the daemon (cold start).
              file_checksum: process.getBuiltinModule('node:zlib').crc32(file.bytes),
              file_name: file.name,
              content_type: file.mime,
            }
          : {}),
      },
      UploadAnswer,
      { signal, timeoutMs: 120_000 },
    );
  const { upload_id: uploadId } = await send(order[0]!, null);
  const rest = order.slice(1);
  const workers = Array.from(
    { length: Math.min(options.concurrency ?? 3, rest.length) },
    async () => {
      for (let i = rest.shift(); i !== undefined; i = rest.shift()) await send(i, uploadId);
    },
  );
  await Promise.all(workers);
  return uploadId;
}
