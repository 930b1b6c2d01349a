// GET /blob/<sha256>: streams a content-addressed blob from the profile's blob
// folder. A blob is untrusted content: it is never sniffed into something
// active, and if a browser renders it anyway it renders in a sandbox.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SHA256 = /^[0-9a-f]{64}$/;

/** Types a browser may show inline; anything else is served as a download. */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/mp4',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'text/plain',
]);

/** Recognizes the few formats worth showing inline from their first bytes. */
export function sniffInlineType(head: Uint8Array): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (
    starts(0x52, 0x49, 0x46, 0x46) &&
    head[8] === 0x57 &&
    head[9] === 0x45 &&
    head[10] === 0x42 &&
    head[11] === 0x50
  )
    return 'image/webp';
  return null;
}

export type BlobTypeLookup = (sha256: string) => Promise<string | null> | string | null;

/** The Content-Type to send: a known inline-safe type, else application/octet-stream. */
export function blobContentType(declared: string | null): string {
  const base = declared?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!INLINE_TYPES.has(base)) return 'application/octet-stream';
  return base === 'text/plain' ? 'text/plain; charset=utf-8' : base;
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buf = new Uint8Array(16);
    const { bytesRead } = await handle.read(buf, 0, 16, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function serveBlob(
  req: IncomingMessage,
  res: ServerResponse,
  sha256: string,
  blobDir: string | undefined,
  lookupType: BlobTypeLookup | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (!blobDir || !SHA256.test(sha256)) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const file = join(blobDir, sha256.slice(0, 2), sha256);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const declared = (await lookupType?.(sha256)) ?? sniffInlineType(await readHead(file));
  const type = blobContentType(declared);
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': info.size,
    'Content-Security-Policy': 'sandbox',
    // Content-addressed: the bytes behind a name never change.
    'Cache-Control': 'private, max-age=31536000, immutable',
    ...(type === 'application/octet-stream' ? { 'Content-Disposition': 'attachment' } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
