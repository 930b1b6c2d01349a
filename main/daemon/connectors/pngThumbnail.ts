// A thumbnail made here, for protocols whose server makes none (REST chat:
// the sender uploads `<id>-preview.<ext>` itself, and a sender may give none).
// The project has no image library (the daemon stays plain Node, and none is
// installed), so this reads PNG only, with node:zlib: every colour type, bit
// depths 1–16, not interlaced. Anything else (JPEG, GIF, WebP, an interlaced
// or broken PNG) returns null, and callers fall back to the original file.
// node:zlib loads with the first thumbnail, not with the daemon (cold start).
const zlib = () => process.getBuiltinModule('node:zlib');

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Refuse to decode more than this: a small PNG can inflate to gigabytes. */
const MAX_PIXELS = 40_000_000;

export interface Thumbnail {
  png: Buffer;
  width: number;
  height: number;
}

export interface Decoded {
  width: number;
  height: number;
  /** 8-bit RGBA, row by row. */
  rgba: Uint8Array;
}

/** Whether the bytes start like a PNG. */
export const isPng = (bytes: Uint8Array): boolean =>
  bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(SIGNATURE);

/**
 * A PNG no larger than `maxWidth` × `maxHeight` (aspect kept, never enlarged),
 * or null when the input is not a PNG this can read.
 */
export function pngThumbnail(
  bytes: Uint8Array,
  maxWidth: number,
  maxHeight: number,
): Thumbnail | null {
  const image = decodePng(bytes);
  if (!image) return null;
  return scaledThumbnail(image, maxWidth, maxHeight);
}

/** A decoded picture as a PNG no larger than `maxWidth` × `maxHeight` (aspect kept, never enlarged). */
export function scaledThumbnail(image: Decoded, maxWidth: number, maxHeight: number): Thumbnail {
  const scale = Math.min(1, maxWidth / image.width, maxHeight / image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  return { png: encodePng(width, height, boxScale(image, width, height)), width, height };
}

/** The width and height a PNG declares, without decoding it (null if not a PNG). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (!isPng(bytes) || bytes.length < 24) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function decodePng(bytes: Uint8Array): Decoded | null {
  if (!isPng(bytes)) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: {
    width: number;
    height: number;
    depth: number;
    type: number;
    interlace: number;
  } | null = null;
  let palette: Buffer | null = null;
  let transparency: Buffer | null = null;
  const data: Buffer[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const body = b.subarray(at + 8, at + 8 + length);
    if (body.length < length) return null; // truncated
    if (type === 'IHDR')
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        depth: body[8]!,
        type: body[9]!,
        interlace: body[12]!,
      };
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header || header.interlace !== 0 || data.length === 0) return null;
  const { width, height, depth, type } = header;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[type];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth) || width === 0 || height === 0) return null;
  if (width * height > MAX_PIXELS) return null;
  if (type === 3 && !palette) return null;
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  let raw: Buffer;
  try {
    raw = zlib().inflateSync(Buffer.concat(data), { maxOutputLength: (stride + 1) * height });
  } catch {
    return null;
  }
  if (raw.length < (stride + 1) * height) return null;
  const rows = unfilter(raw, stride, height, Math.max(1, bitsPerPixel >> 3));
  if (!rows) return null;
  const rgba = new Uint8Array(width * height * 4);
  const sample = (row: Uint8Array, index: number): number => {
    // The index-th sample of a row, scaled to 8 bits (palette indexes are not scaled).
    if (depth === 8) return row[index]!;
    if (depth === 16) return row[index * 2]!;
    const bit = index * depth;
    const value = (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    return type === 3 ? value : Math.round((value * 255) / ((1 << depth) - 1));
  };
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = (c: number) => sample(row, x * channels + c);
      if (type === 3) {
        const i = s(0);
        rgba[o] = palette![i * 3] ?? 0;
        rgba[o + 1] = palette![i * 3 + 1] ?? 0;
        rgba[o + 2] = palette![i * 3 + 2] ?? 0;
        rgba[o + 3] = transparency?.[i] ?? 255;
      } else if (type === 0 || type === 4) {
        rgba[o] = rgba[o + 1] = rgba[o + 2] = s(0);
        rgba[o + 3] = type === 4 ? s(1) : 255;
      } else {
        rgba[o] = s(0);
        rgba[o + 1] = s(1);
        rgba[o + 2] = s(2);
        rgba[o + 3] = type === 6 ? s(3) : 255;
      }
    }
  }
  return { width, height, rgba };
}

/** PNG's five row filters undone; null on an unknown filter byte. */
function unfilter(raw: Buffer, stride: number, height: number, bpp: number): Uint8Array[] | null {
  const rows: Uint8Array[] = [];
  let prior = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Uint8Array.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp]! : 0;
      const up = prior[i]!;
      const c = i >= bpp ? prior[i - bpp]! : 0;
      let add: number;
      if (filter === 0) add = 0;
      else if (filter === 1) add = a;
      else if (filter === 2) add = up;
      else if (filter === 3) add = (a + up) >> 1;
      else if (filter === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      } else return null;
      line[i] = (line[i]! + add) & 0xff;
    }
    rows.push(line);
    prior = line;
  }
  return rows;
}

/** Area-averaged downscale: each output pixel is the mean of the input pixels it covers. */
function boxScale(image: Decoded, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      const sum = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * image.width + sx) * 4;
          for (let c = 0; c < 4; c++) sum[c]! += image.rgba[i + c]!;
        }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) out[o + c] = Math.round(sum[c]! / n);
    }
  }
  return out;
}

/** An 8-bit RGBA PNG (filter 0 on every row). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(
      raw,
      y * (width * 4 + 1) + 1,
    );
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib().deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib().crc32(Buffer.concat([head.subarray(4), body])));
  return Buffer.concat([head, body, crc]);
}
