// Attachments in end-to-end encrypted rooms (the spec's `file` and
// `info.thumbnail_file`, EncryptedFile v2). Sending: the file (and, for a
// PNG or JPEG picture, a thumbnail made here) is encrypted with a fresh key
// each, uploaded as opaque bytes, and the keys go inside the event, which is
// itself Megolm-encrypted (encryption.ts). Receiving: the mapper keeps the
// EncryptedFile objects as the attachment's `source`; a download fetches the
// ciphertext through the authenticated media endpoints and decrypts it,
// checking its SHA-256 before the blob store keeps anything
// (crypto/attachmentCipher.ts). The server cannot thumbnail ciphertext: a
// thumbnail is the sender's encrypted one, else the whole picture.
import * as z from 'zod';
import type { AttachmentRef, ConnectorContext, FetchedAttachment } from '../connector.js';
import { blobBytes } from '../context.js';
import { PermanentError } from '../errors.js';
import { imageSize, imageThumbnail } from '../imageThumbnail.js';
import { attachmentKind } from '../../model/attachmentKind.js';
import type { OutgoingAttachment } from '../../model/ops.js';
import type { MatrixTransport } from './transport.js';
import { download, uploadBytes } from './media.js';
import {
  decryptAttachment,
  encryptAttachment,
  encryptedFileSchema,
  type EncryptedFile,
} from './crypto/attachmentCipher.js';
import { num, obj, str, type Json } from './mapping/common.js';

/** A thumbnail small enough for a chat line, as Element makes them. */
const THUMBNAIL_MAX = { width: 800, height: 600 };

/** What the mapper stores as the attachment's source (the connector's own JSON). */
const sourceSchema = z.object({
  file: encryptedFileSchema,
  thumbnail: z.object({ file: encryptedFileSchema, mime: z.string() }).nullable(),
});
type EncryptedSource = z.infer<typeof sourceSchema>;

/** The source JSON of an m.room.message with an encrypted `file`, or null when it has none. */
export function encryptedSourceOf(content: Json): string | null {
  const file = encryptedFileSchema.safeParse(content.file);
  if (!file.success) return null;
  const info = obj(content.info) ?? {};
  const thumb = encryptedFileSchema.safeParse(info.thumbnail_file);
  const source: EncryptedSource = {
    file: file.data,
    thumbnail: thumb.success
      ? { file: thumb.data, mime: str(obj(info.thumbnail_info)?.mimetype) ?? 'image/png' }
      : null,
  };
  return JSON.stringify(source);
}

function parseSource(source: string | null | undefined): EncryptedSource | null {
  if (!source) return null;
  try {
    const parsed = sourceSchema.safeParse(JSON.parse(source));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Downloads and decrypts one EncryptedFile; the stream fails (storing nothing) on a bad checksum. */
async function fetchFile(
  t: MatrixTransport,
  file: EncryptedFile,
  mime: string,
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  const got = await download(t, file.url, signal);
  // AES-CTR keeps the length: the ciphertext's size is the file's.
  return { mime, size: got.size, stream: decryptAttachment(got.stream, file) };
}

/** The attachment's bytes: decrypted when it is an encrypted file, else as the server has them. */
export function fetchAttachmentBytes(
  t: MatrixTransport,
  a: AttachmentRef,
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  const source = parseSource(a.source);
  return source ? fetchFile(t, source.file, a.mime, signal) : download(t, a.remoteId, signal);
}

/** A thumbnail: the sender's encrypted one, else the whole decrypted file, else the server's. */
export function fetchThumbnailBytes(
  t: MatrixTransport,
  a: AttachmentRef,
  size: { width: number; height: number; method?: 'scale' | 'crop' },
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  const source = parseSource(a.source);
  if (!source) return download(t, a.remoteId, signal, size);
  return source.thumbnail
    ? fetchFile(t, source.thumbnail.file, source.thumbnail.mime, signal)
    : fetchFile(t, source.file, a.mime, signal);
}

/** Encrypts and uploads bytes; returns the EncryptedFile that names them. */
async function uploadEncrypted(
  t: MatrixTransport,
  bytes: Uint8Array,
  signal: AbortSignal,
): Promise<EncryptedFile> {
  const { ciphertext, file } = encryptAttachment(bytes);
  // The media repository sees neither the name nor the type.
  const url = await uploadBytes(t, ciphertext, 'encrypted', 'application/octet-stream', signal);
  return { url, ...file };
}

/**
 * The m.room.message content of an attachment for an encrypted room: the file
 * encrypted and uploaded, and for a picture an encrypted thumbnail with its
 * info (w, h, mimetype, size). The content is then encrypted as a whole.
 */
export async function encryptedAttachmentContent(
  ctx: ConnectorContext,
  t: MatrixTransport,
  a: OutgoingAttachment,
  body: string,
): Promise<Record<string, unknown>> {
  const bytes = await blobBytes(ctx, a.sha256);
  if (bytes.length === 0) throw new PermanentError('an empty file cannot be sent');
  const kind = attachmentKind(a.mime);
  const info: Json = { mimetype: a.mime, size: bytes.length };
  const declared = kind === 'image' ? imageSize(bytes) : null;
  const w = num(a.width) ?? declared?.width ?? null;
  const h = num(a.height) ?? declared?.height ?? null;
  if (w) info.w = w;
  if (h) info.h = h;
  const file = await uploadEncrypted(t, bytes, ctx.signal);
  if (kind === 'image') {
    const thumb = imageThumbnail(bytes, THUMBNAIL_MAX.width, THUMBNAIL_MAX.height);
    if (thumb) {
      info.thumbnail_file = await uploadEncrypted(t, thumb.png, ctx.signal);
      info.thumbnail_info = {
        mimetype: 'image/png',
        size: thumb.png.length,
        w: thumb.width,
        h: thumb.height,
      };
    }
  }
  return { msgtype: `m.${kind}`, body: body || a.name, filename: a.name, file, info };
}
