// Image previews. PNGs are scaled down with the JMAP Chat server's small PNG
// codec (the only image format the test servers decode); other images, and
// PNGs it cannot read, are previewed by their own bytes.
import { decodePng, encodePng, fitWithin, isPng, resize } from '../jmap-chat/png.js';

/** The longest side of a preview, in pixels. */
export const PREVIEW_SIDE = 320;

export function makePreview(
  contentType: string,
  data: Buffer,
): { contentType: string; data: Buffer } | null {
  if (!contentType.startsWith('image/')) return null;
  if (!isPng(data)) return { contentType, data };
  try {
    const img = decodePng(data);
    const size = fitWithin(img.width, img.height, PREVIEW_SIDE, PREVIEW_SIDE);
    return { contentType: 'image/png', data: encodePng(resize(img, size.width, size.height)) };
  } catch {
    return { contentType, data };
  }
}
