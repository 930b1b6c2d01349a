// The file half of the blob store: bytes streamed to a temp file while hashing,
// then renamed to <dir>/ab/<sha256>. A crash leaves either the whole file or
// none. No database here, so the web host's upload route (on the host thread)
// writes exactly as the daemon does; the daemon records the blob's row when it
// first uses it (BlobStore.adopt).
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, openSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Thrown when a stream grows past the byte limit it was written with. */
export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the file exceeds ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The file of a blob: <dir>/ab/<sha256>. Only well-formed hashes map to a path. */
export function blobPath(dir: string, sha256: string): string {
  if (!SHA256_PATTERN.test(sha256)) throw new Error('not a sha256 blob id');
  return join(dir, sha256.slice(0, 2), sha256);
}

/** Streams bytes into the blob folder; returns their sha256 and size. */
export async function writeBlobFile(
  dir: string,
  data: Buffer | Uint8Array | AsyncIterable<Uint8Array>,
  options: { maxBytes?: number } = {},
): Promise<{ sha256: string; size: number }> {
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  const limit = options.maxBytes ?? Infinity;
  let size = 0;
  const source = data instanceof Uint8Array ? Readable.from([data]) : Readable.from(data);
  // Opened here, synchronously: the file exists before anything is written,
  // so the catch below always removes what it made. (Opened by the stream,
  // a write refused before the open finished left the file behind.)
  const out = createWriteStream(tmp, { fd: openSync(tmp, 'wx') });
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > limit) throw new BlobTooLargeError(limit);
          hash.update(chunk);
          yield chunk;
        }
      },
      out,
    );
    const sha256 = hash.digest('hex');
    const final = blobPath(dir, sha256);
    if (refreshBlobFile(final)) rmSync(tmp);
    else {
      mkdirSync(join(dir, sha256.slice(0, 2)), { recursive: true });
      renameSync(tmp, final);
    }
    return { sha256, size };
  } catch (err) {
    // Closed first: Windows cannot remove a file that is still open.
    out.destroy();
    if (!out.closed) await new Promise<void>((closed) => out.once('close', () => closed()));
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Marks a blob file as just written: the blob collector (blobCollector.ts)
 * spares files younger than its grace period, so content written again, or
 * about to be adopted, is not taken before its row exists. False when there
 * is no such file.
 */
export function refreshBlobFile(path: string): boolean {
  try {
    const now = new Date();
    utimesSync(path, now, now);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
