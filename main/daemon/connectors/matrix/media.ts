// Media: uploads (POST /_matrix/media/v3/upload) for attachments we send, and
// downloads and thumbnails through the authenticated endpoints
// (/_matrix/client/v1/media/download|thumbnail, spec v1.11), with the legacy
// unauthenticated /_matrix/media/v3 ones only for servers that lack them.
import type { ConnectorContext, FetchedAttachment } from '../connector.js';
import { PermanentError } from '../errors.js';
import { blobBytes } from '../context.js';
import { attachmentKind } from '../../model/attachmentKind.js';
import type { OutgoingAttachment } from '../../model/ops.js';
import { enc, MatrixHttpError, type MatrixTransport } from './transport.js';
import { uploadSchema } from './wire.js';

const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

/** Uploads the attachment's bytes; returns the mxc:// URI. */
export async function upload(
  ctx: ConnectorContext,
  t: MatrixTransport,
  a: OutgoingAttachment,
): Promise<string> {
  const bytes = await blobBytes(ctx, a.sha256);
  const res = await t.json('POST', '/_matrix/media/v3/upload', uploadSchema, {
    signal: ctx.signal,
    query: { filename: a.name },
    bytes,
    contentType: a.mime,
    timeoutMs: 10 * 60_000,
  });
  return res.content_uri;
}

/** The m.room.message content of an uploaded attachment (body is a caption when it differs). */
export function attachmentContent(
  a: OutgoingAttachment,
  url: string,
  body: string,
): Record<string, unknown> {
  const kind = attachmentKind(a.mime);
  const info: Record<string, unknown> = { mimetype: a.mime, size: a.size };
  if (a.width) info.w = a.width;
  if (a.height) info.h = a.height;
  return {
    msgtype: `m.${kind}`,
    body: body || a.name,
    filename: a.name,
    url,
    info,
  };
}

export function parseMxc(uri: string): { server: string; mediaId: string } {
  const m = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(uri);
  if (!m) throw new PermanentError(`not a Matrix media URI: ${uri.slice(0, 100)}`);
  return { server: m[1]!, mediaId: m[2]! };
}

/** Downloads (or thumbnails) a mxc:// URI, authenticated; legacy endpoint as a fallback. */
export async function download(
  t: MatrixTransport,
  uri: string,
  signal: AbortSignal,
  thumbnail?: { width: number; height: number; method?: 'scale' | 'crop' },
): Promise<FetchedAttachment> {
  const { server, mediaId } = parseMxc(uri);
  const what = thumbnail ? 'thumbnail' : 'download';
  const tail = `${what}/${enc(server)}/${enc(mediaId)}`;
  const query = thumbnail
    ? { width: thumbnail.width, height: thumbnail.height, method: thumbnail.method ?? 'scale' }
    : {};
  const get = (path: string) => t.stream(path, { signal, query, timeoutMs: DOWNLOAD_TIMEOUT_MS });
  let res;
  try {
    res = await get(`/_matrix/client/v1/media/${tail}`);
  } catch (err) {
    // A server from before authenticated media (spec v1.11) does not know the path.
    if (
      !(err instanceof MatrixHttpError && (err.status === 404 || err.status === 405)) ||
      err.errcode !== 'M_UNRECOGNIZED'
    )
      throw err;
    res = await get(`/_matrix/media/v3/${tail}`);
  }
  return { mime: res.mime, size: res.size, stream: res.body };
}
