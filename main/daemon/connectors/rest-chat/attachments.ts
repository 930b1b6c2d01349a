// Attachments. Sending follows the server's flow: the post names only the
// file's type and size, the server makes the media id, and the files are then
// uploaded as `<id>.<ext>` and `<id>-preview.<ext>` and the message marked
// fileExists / previewExists (which tells everyone, messageUpdate). The
// preview is made here (imageThumbnail: PNG and JPEG, see there); without one the
// message says previewExists false. Each step can be repeated, so a retried
// entry adopts its earlier post (postOnce) and uploads and marks again.
// Receiving streams `<id>.<ext>` from the server; a thumbnail is the sender's
// preview file, else one made here from the original, else the original.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OpOf } from '../../model/ops.js';
import type {
  AttachmentRef,
  ConnectorContext,
  FetchedAttachment,
  WriteAttempt,
  WriteResult,
} from '../connector.js';
import { blobBytes } from '../context.js';
import { PermanentError, ProtocolError } from '../errors.js';
import { imageSize, imageThumbnail } from '../imageThumbnail.js';
import { postOnce } from './posting.js';
import type { RestSession } from './session.js';
import { MessageInfoSchema } from './wire.js';

/** The sender's preview: small enough for a chat line, large enough for a tap. */
const PREVIEW_MAX = { width: 320, height: 320 };
/** The largest original read into memory to make a thumbnail (the server's upload limit). */
const MAX_THUMBNAIL_SOURCE_BYTES = 50_000_000;
/** Pictures a thumbnail is made of here when the sender uploaded no preview. */
const THUMBNAILED_TYPES = new Set(['image/png', 'image/jpeg']);

const EXTENSION_BY_MIME: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

/**
 * The extension the file is stored under: the name's own when it has a plain
 * one, else one for its type, else "bin". (It becomes part of a file name and a
 * header value, so only letters and digits.)
 */
export function extensionOf(name: string, mime: string): string {
  const own = /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1]?.toLowerCase();
  return own ?? EXTENSION_BY_MIME[mime.toLowerCase()] ?? 'bin';
}

/** `<id>.<ext>` → `<id>-preview.<ext>`, the server's preview name. */
export const previewNameOf = (fileName: string): string => {
  const dot = fileName.lastIndexOf('.');
  return dot < 0
    ? `${fileName}-preview`
    : `${fileName.slice(0, dot)}-preview${fileName.slice(dot)}`;
};

export async function sendAttachment(
  s: RestSession,
  op: OpOf<'sendAttachment'>,
  key: string,
  ctx: ConnectorContext,
  attempt: WriteAttempt,
): Promise<WriteResult> {
  const bytes = await blobBytes(ctx, op.attachment.sha256);
  if (bytes.length === 0)
    throw new PermanentError('an empty file cannot be sent (the server refuses it)');
  const ext = extensionOf(op.attachment.name, op.attachment.mime);
  const preview = imageThumbnail(bytes, PREVIEW_MAX.width, PREVIEW_MAX.height);
  const size = preview ?? imageSize(bytes) ?? dimensions(op.attachment);
  const message = await postOnce(
    s,
    op.chatRemoteId,
    key,
    {
      ...(op.body ? { text: op.body } : {}),
      attachment: {
        fileType: ext,
        fileSize: bytes.length,
        ...(size ? { previewWidth: size.width, previewHeight: size.height } : {}),
      },
    },
    attempt,
    ctx.signal,
  );
  const media = message.attachments?.[0];
  if (!media) throw new ProtocolError(`POST /chats/…/messages: the server kept no attachment`);
  // The server names the media; the files must carry its id and the type it stored.
  const stored = media.fileType ?? ext;
  await s.transport.upload(media.id, stored, bytes, ctx.signal);
  if (preview) await s.transport.upload(`${media.id}-preview`, stored, preview.png, ctx.signal);
  await s.transport.json(
    'PUT',
    `/chats/${encodeURIComponent(op.chatRemoteId)}/messages/${message.id}`,
    MessageInfoSchema,
    { body: { fileExists: true, previewExists: preview !== null }, signal: ctx.signal },
  );
  return { remoteId: String(message.id) };
}

function dimensions(a: { width?: number | null; height?: number | null }) {
  return a.width && a.height ? { width: a.width, height: a.height } : null;
}

/**
 * How long a file missing from the server is waited for: the message comes
 * first and its sender uploads the file right after (the server's own flow),
 * so a picture shown at once is often asked for a moment too early.
 */
const UPLOAD_GRACE_MS = 20_000;

/** The attachment's file, streamed. */
export async function fetchAttachment(
  s: RestSession,
  a: AttachmentRef,
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  let res = await s.transport.file(a.remoteId, signal);
  for (
    let waited = 0, step = 250;
    !res && waited < UPLOAD_GRACE_MS;
    waited += step, step = Math.min(step * 2, 4000)
  ) {
    await sleep(step, signal);
    res = await s.transport.file(a.remoteId, signal);
  }
  if (!res?.body)
    throw new PermanentError(
      `${a.name}: the server has no such file (not uploaded yet, or deleted)`,
    );
  return { mime: a.mime, size: contentLength(res), stream: streamOf(res.body) };
}

/**
 * A thumbnail: the sender's preview file when there is one; else, for a PNG,
 * one made here at the size asked for; else the original (the UI scales it).
 */
export async function fetchThumbnail(
  s: RestSession,
  a: AttachmentRef,
  size: { width: number; height: number },
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  if (!a.mime.startsWith('image/')) return fetchAttachment(s, a, signal);
  const preview = await s.transport.file(previewNameOf(a.remoteId), signal);
  if (preview?.body)
    return { mime: a.mime, size: contentLength(preview), stream: streamOf(preview.body) };
  const original = await fetchAttachment(s, a, signal);
  const declared = original.size ?? 0;
  if (!THUMBNAILED_TYPES.has(a.mime) || declared > MAX_THUMBNAIL_SOURCE_BYTES) return original;
  const chunks: Uint8Array[] = [];
  for await (const chunk of original.stream) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const made = imageThumbnail(bytes, size.width, size.height);
  if (!made) return { mime: a.mime, size: bytes.length, stream: once(bytes) };
  return { mime: 'image/png', size: made.png.length, stream: once(made.png) };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

const streamOf = (body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> =>
  Readable.fromWeb(body as WebReadableStream<Uint8Array>);

function contentLength(res: Response): number | null {
  const n = Number(res.headers.get('content-length'));
  return Number.isFinite(n) && n > 0 ? n : null;
}
