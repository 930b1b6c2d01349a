// A thumbnail made here from a picture whose sender gave none: PNG through
// pngThumbnail (node:zlib), JPEG through jpeg-js (pure JavaScript, so the daemon
// stays free of another native module to rebuild per Electron ABI). Both come
// out as a small PNG. GIF, WebP and anything unreadable give null, and callers
// fall back to the original file.
import { decode as decodeJpeg } from 'jpeg-js';
import { isPng, pngSize, pngThumbnail, scaledThumbnail, type Thumbnail } from './pngThumbnail.js';

/** Refuse to decode more than this: a small JPEG can declare a huge picture. */
const MAX_MEGAPIXELS = 40;
const MAX_DECODE_MB = 512;

/** Whether the bytes start like a JPEG (SOI then a marker). */
export const isJpeg = (bytes: Uint8Array): boolean =>
  bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** A PNG thumbnail of a PNG or JPEG picture, or null when this cannot read it. */
export function imageThumbnail(
  bytes: Uint8Array,
  maxWidth: number,
  maxHeight: number,
): Thumbnail | null {
  if (isPng(bytes)) return pngThumbnail(bytes, maxWidth, maxHeight);
  if (!isJpeg(bytes)) return null;
  try {
    const image = decodeJpeg(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_MEGAPIXELS,
      maxMemoryUsageInMB: MAX_DECODE_MB,
    });
    return scaledThumbnail(
      { width: image.width, height: image.height, rgba: image.data },
      maxWidth,
      maxHeight,
    );
  } catch {
    // A broken or oversized JPEG: no thumbnail, the original is shown.
    return null;
  }
}

/** The width and height a PNG or JPEG declares, without decoding it. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  return pngSize(bytes) ?? jpegSize(bytes);
}

/** Reads the frame header (SOFn) of a JPEG; null when there is none. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (!isJpeg(bytes)) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 2; at + 9 <= b.length;) {
    if (b[at] !== 0xff) return null;
    const type = b[at + 1]!;
    if (type === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = b.readUInt16BE(at + 2);
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame's size.
    if (type >= 0xc0 && type <= 0xcf && type !== 0xc4 && type !== 0xc8 && type !== 0xcc)
      return { height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  return null;
}
