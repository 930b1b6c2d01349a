// POST /upload: a file's bytes as the raw request body, streamed into the blob
// folder (hashed on the way, never held in memory), answered with its sha256.
// messages.sendAttachment then names the blob by that sha256. Files travel
// here rather than in a WebSocket frame, which is capped at 1 MiB and would
// close the socket (failing every call in flight) when exceeded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlobTooLargeError, writeBlobFile } from '../daemon/store/blobFiles.js';
import { failure, sendResult } from './apiRoute.js';

/** The default cap on one upload; a protocol's own limit is enforced when sending. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

function tooLarge(res: ServerResponse, req: IncomingMessage, limit: number): void {
  // Stop reading what is left; the connection closes after the answer.
  res.setHeader('Connection', 'close');
  sendResult(res, failure('invalid_input', `the file exceeds ${limit} bytes`), 413);
  req.resume();
}

export async function serveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  blobDir: string | undefined,
  maxBytes: number,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendResult(res, failure('invalid_input', 'POST the file as the request body'), 405);
    return;
  }
  if (!blobDir) {
    sendResult(res, failure('unavailable', 'this server has no blob store'), 503);
    return;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(res, req, maxBytes);
  try {
    // Iterated without destroying the request on early exit, so that a refusal can still be answered.
    const body = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
    const { sha256, size } = await writeBlobFile(blobDir, body, { maxBytes });
    sendResult(res, { ok: true, value: { sha256, size } });
  } catch (err) {
    if (err instanceof BlobTooLargeError) return tooLarge(res, req, maxBytes);
    // The client went away mid-body: nothing was stored, nobody to answer.
    res.destroy();
  }
}
