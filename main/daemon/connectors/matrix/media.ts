// Media: uploads (POST /_matrix/media/v3/upload) for attachments we send, and
// downloads and thumbnails through the authenticated endpoints
// (/_matrix/client/v1/media/download|thumbnail, spec v1.11), with the legacy
// unauthenticated /_matrix/media/v3 ones only for servers that lack them.
import * as z from 'zod';
import type { ConnectorContext, FetchedAttachment, RemoteLinkPreview } from '../connector.js';
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
  return uploadBytes(t, await blobBytes(ctx, a.sha256), a.name, a.mime, ctx.signal);
}

/** Uploads bytes to the media repository; returns the mxc:// URI. */
export async function uploadBytes(
  t: MatrixTransport,
  bytes: Uint8Array,
  filename: string,
  mime: string,
  signal: AbortSignal,
): Promise<string> {
  const res = await t.json('POST', '/_matrix/media/v3/upload', uploadSchema, {
    signal,
    query: { filename },
    bytes,
    contentType: mime,
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

/** Open Graph fields of a preview_url answer; anything else is ignored. */
const previewSchema = z.looseObject({
  'og:title': z.string().optional().catch(undefined),
  'og:description': z.string().optional().catch(undefined),
  'og:site_name': z.string().optional().catch(undefined),
  'og:image': z.string().optional().catch(undefined),
  'og:image:width': z.number().optional().catch(undefined),
  'og:image:height': z.number().optional().catch(undefined),
});

const clip = (s: string | undefined, max: number) =>
  s === undefined || s.trim() === '' ? null : s.trim().slice(0, max);

/**
 * The server's preview of a link (GET /_matrix/client/v1/media/preview_url,
 * v1.11; the legacy /_matrix/media/v3 path for older servers). A server that
 * has previews switched off answers 404/403: no preview, not an error.
 */
export async function previewUrl(
  t: MatrixTransport,
  url: string,
  signal: AbortSignal,
): Promise<RemoteLinkPreview | null> {
  const get = (path: string) => t.json('GET', path, previewSchema, { signal, query: { url } });
  let og;
  try {
    try {
      og = await get('/_matrix/client/v1/media/preview_url');
    } catch (err) {
      if (!(err instanceof MatrixHttpError && err.errcode === 'M_UNRECOGNIZED')) throw err;
      og = await get('/_matrix/media/v3/preview_url');
    }
  } catch (err) {
    if (
      err instanceof MatrixHttpError &&
      err.status >= 400 &&
      err.status < 500 &&
      err.status !== 429
    )
      return null;
    throw err;
  }
  const image = og['og:image'];
  const preview: RemoteLinkPreview = {
    title: clip(og['og:title'], 300),
    description: clip(og['og:description'], 1000),
    siteName: clip(og['og:site_name'], 200),
    // Only an image in the media repository: the renderer never loads a remote address.
    imageUri: image && image.startsWith('mxc://') ? image : null,
    imageWidth: og['og:image:width'] ?? null,
    imageHeight: og['og:image:height'] ?? null,
  };
  return preview.title || preview.description || preview.imageUri ? preview : null;
}
