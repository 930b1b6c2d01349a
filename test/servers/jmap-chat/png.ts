// A small PNG codec for Blob/convert: decodes non-interlaced 8-bit grey, grey +
// alpha, RGB, RGBA and palette images (PNG spec §11, §9 filters) to RGBA,
// resizes by area averaging, and encodes RGBA with filter 0. Nothing else:
// Blob/convert answers other inputs with an error (see README.md).
import { deflateSync, inflateSync } from 'node:zlib';

export interface Rgba {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function isPng(data: Uint8Array): boolean {
  return data.length > 8 && Buffer.from(data.subarray(0, 8)).equals(SIGNATURE);
}

/** Width and height from the IHDR chunk, without decoding. */
export function pngSize(data: Uint8Array): { width: number; height: number } | null {
  if (!isPng(data) || data.length < 24) return null;
  const b = Buffer.from(data);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function decodePng(input: Uint8Array): Rgba {
  const b = Buffer.from(input);
  if (!isPng(b)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let interlace = 0;
  let palette: Buffer | null = null;
  let alphas: Buffer | null = null;
  const idat: Buffer[] = [];
  while (pos + 8 <= b.length) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    const body = b.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8]!;
      colorType = body[9]!;
      interlace = body[12]!;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') alphas = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  const channels = CHANNELS[colorType];
  if (!channels || depth !== 8 || interlace !== 0)
    throw new Error(
      `unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${interlace})`,
    );
  if (width === 0 || height === 0 || width * height > 50_000_000) throw new Error('bad PNG size');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('truncated PNG data');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const cur = raw[src + x]!;
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const up = y > 0 ? pixels[row - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = cur;
          break;
        case 1:
          v = cur + a;
          break;
        case 2:
          v = cur + up;
          break;
        case 3:
          v = cur + ((a + up) >> 1);
          break;
        case 4: {
          const p = a + up - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - c);
          v = cur + (pa <= pb && pa <= pc ? a : pb <= pc ? up : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter}`);
      }
      pixels[row + x] = v & 0xff;
    }
  }
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const d = i * 4;
    switch (colorType) {
      case 0:
        out[d] = out[d + 1] = out[d + 2] = pixels[s]!;
        out[d + 3] = 255;
        break;
      case 4:
        out[d] = out[d + 1] = out[d + 2] = pixels[s]!;
        out[d + 3] = pixels[s + 1]!;
        break;
      case 2:
        out.set(pixels.subarray(s, s + 3), d);
        out[d + 3] = 255;
        break;
      case 6:
        out.set(pixels.subarray(s, s + 4), d);
        break;
      case 3: {
        const idx = pixels[s]!;
        if (!palette || idx * 3 + 2 >= palette.length) throw new Error('bad PNG palette index');
        out[d] = palette[idx * 3]!;
        out[d + 1] = palette[idx * 3 + 1]!;
        out[d + 2] = palette[idx * 3 + 2]!;
        out[d + 3] = alphas && idx < alphas.length ? alphas[idx]! : 255;
        break;
      }
    }
  }
  return { width, height, data: out };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

export function encodePng(img: Rgba): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const stride = img.width * 4;
  const raw = Buffer.alloc(img.height * (stride + 1));
  for (let y = 0; y < img.height; y++)
    raw.set(img.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The largest size within maxW × maxH keeping the aspect ratio (never enlarges). */
export function fitWithin(
  w: number,
  h: number,
  maxW: number | null,
  maxH: number | null,
): { width: number; height: number } {
  const sx = maxW ? maxW / w : Infinity;
  const sy = maxH ? maxH / h : Infinity;
  const s = Math.min(1, sx, sy);
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Area-averaging resize: every target pixel is the mean of the source pixels it covers. */
export function resize(img: Rgba, width: number, height: number): Rgba {
  const out = new Uint8Array(width * height * 4);
  for (let ty = 0; ty < height; ty++) {
    const y0 = Math.floor((ty * img.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * img.height) / height));
    for (let tx = 0; tx < width; tx++) {
      const x0 = Math.floor((tx * img.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * img.width) / width));
      const sum = [0, 0, 0, 0];
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++)
          for (let c = 0; c < 4; c++) sum[c]! += img.data[(y * img.width + x) * 4 + c]!;
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 4; c++) out[(ty * width + tx) * 4 + c] = Math.round(sum[c]! / n);
    }
  }
  return { width, height, data: out };
}
