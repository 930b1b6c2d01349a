// parley-blob://<sha256>: the app window's only way to show stored media. The
// bytes come from the profile's content-addressed blob folder; like the web
// host's /blob route, nothing is served as an active type.
import { protocol } from 'electron';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { blobContentType, sniffInlineType } from '../web/blobRoute.js';
import { BLOB_SCHEME } from './contentSecurityPolicy.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Must run before app 'ready'. */
export function registerBlobScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: BLOB_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
}

export function handleBlobProtocol(blobDir: string): void {
  protocol.handle(BLOB_SCHEME, async (request) => {
    const sha = new URL(request.url).hostname.toLowerCase();
    if (!SHA256.test(sha)) return notFound();
    const file = join(blobDir, sha.slice(0, 2), sha);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return notFound();
    const head = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      createReadStream(file, { start: 0, end: 15 })
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks)))
        .on('error', () => resolve(Buffer.alloc(0)));
    });
    const type = blobContentType(sniffInlineType(head));
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': type,
        'Content-Length': String(info.size),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': 'sandbox',
        'Cache-Control': 'private, max-age=31536000, immutable',
      },
    });
  });
}
