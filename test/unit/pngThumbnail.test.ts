// The local PNG thumbnailer (connectors/pngThumbnail.ts): what it reads, what
// it makes, and what it refuses (the callers then use the original).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, crc32, inflateSync } from 'node:zlib';
import { encodePng, pngSize, pngThumbnail } from '../../main/daemon/connectors/pngThumbnail.js';

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])));
  return Buffer.concat([head, body, crc]);
}

/** A PNG of any colour type and depth, rows given already packed, each with its filter byte. */
function png(
  w: number,
  h: number,
  depth: number,
  type: number,
  rows: Buffer,
  extra: Buffer[] = [],
) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([depth, type, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The thumbnail's pixels back as RGBA (it writes filter 0 on every row). */
function pixels(thumb: Buffer): number[][] {
  const { width, height } = pngSize(thumb)!;
  const data = inflateSync(thumb.subarray(33, thumb.length - 12).subarray(8));
  const out: number[][] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = y * (width * 4 + 1) + 1 + x * 4;
      out.push([...data.subarray(o, o + 4)]);
    }
  return out;
}

test('an RGBA picture is scaled to fit, aspect kept, by averaging the pixels it covers', () => {
  // 4×2: left half black, right half white → 2×1: one black, one white pixel.
  const rgba = new Uint8Array(4 * 2 * 4);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++)
      rgba.set(x < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255], (y * 4 + x) * 4);
  const thumb = pngThumbnail(encodePng(4, 2, rgba), 2, 2)!;
  assert.deepEqual([thumb.width, thumb.height], [2, 1]);
  assert.deepEqual(pixels(thumb.png), [
    [0, 0, 0, 255],
    [255, 255, 255, 255],
  ]);
});

test('a small picture is never enlarged', () => {
  const thumb = pngThumbnail(encodePng(3, 5, new Uint8Array(3 * 5 * 4).fill(200)), 320, 320)!;
  assert.deepEqual([thumb.width, thumb.height], [3, 5]);
});

test('palette (with transparency), grey at 1 bit, 16-bit RGB and every row filter are read', () => {
  // A 2-colour palette, 2 bits per pixel, the second colour half transparent.
  const plte = chunk('PLTE', Buffer.from([255, 0, 0, 0, 0, 255]));
  const trns = chunk('tRNS', Buffer.from([255, 128]));
  const palette = png(2, 1, 2, 3, Buffer.from([0, 0b00010000]), [plte, trns]);
  assert.deepEqual(pixels(pngThumbnail(palette, 9, 9)!.png), [
    [255, 0, 0, 255],
    [0, 0, 255, 128],
  ]);
  // Grey, 1 bit: 1 0 → white, black.
  const grey = png(2, 1, 1, 0, Buffer.from([0, 0b10000000]));
  assert.deepEqual(pixels(pngThumbnail(grey, 9, 9)!.png), [
    [255, 255, 255, 255],
    [0, 0, 0, 255],
  ]);
  // 16-bit RGB, one pixel, high bytes 10 20 30.
  const deep = png(1, 1, 16, 2, Buffer.from([0, 10, 1, 20, 2, 30, 3]));
  assert.deepEqual(pixels(pngThumbnail(deep, 9, 9)!.png), [[10, 20, 30, 255]]);
  // Filters Sub, Up, Average, Paeth on a 2×4 grey 8-bit image whose every pixel is 50.
  const rows = Buffer.from([1, 50, 0, 2, 0, 0, 3, 25, 0, 4, 0, 0]);
  const filtered = png(2, 4, 8, 0, rows);
  assert.ok(pixels(pngThumbnail(filtered, 9, 9)!.png).every((p) => p.join() === '50,50,50,255'));
});

test('what it cannot read gives null: not a PNG, truncated, interlaced, an unknown filter', () => {
  assert.equal(pngThumbnail(Buffer.from('\xff\xd8\xff\xe0 a JPEG', 'latin1'), 10, 10), null);
  const whole = encodePng(8, 8, new Uint8Array(8 * 8 * 4).fill(9));
  assert.equal(pngThumbnail(whole.subarray(0, whole.length - 30), 4, 4), null);
  const interlaced = Buffer.from(whole);
  interlaced[28] = 1; // IHDR interlace method (its CRC is not checked)
  assert.equal(pngThumbnail(interlaced, 4, 4), null);
  assert.equal(pngThumbnail(png(1, 1, 8, 0, Buffer.from([7, 1])), 4, 4), null);
});
