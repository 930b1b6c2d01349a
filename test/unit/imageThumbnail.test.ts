// Thumbnails of JPEG pictures (connectors/imageThumbnail.ts): a photo a REST
// chat sender gave no preview for still gets a small one, the right way round
// and the right colour; what cannot be read gives null (the original is shown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as encodeJpeg } from 'jpeg-js';
import { inflateSync } from 'node:zlib';
import { imageSize, imageThumbnail, isJpeg } from '../../main/daemon/connectors/imageThumbnail.js';
import { encodePng } from '../../main/daemon/connectors/pngThumbnail.js';

/** A w×h JPEG whose left half is red and right half blue. */
function halves(w: number, h: number): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data.set(x < w / 2 ? [220, 20, 20, 255] : [20, 20, 220, 255], i);
    }
  return encodeJpeg({ width: w, height: h, data }, 90).data;
}

/** The RGBA of pixel (x, y) of a PNG encodePng made (filter 0 rows). */
function pixel(png: Buffer, width: number, x: number, y: number): number[] {
  const idat = png.indexOf('IDAT', 0, 'latin1');
  const length = png.readUInt32BE(idat - 4);
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + length));
  const at = y * (width * 4 + 1) + 1 + x * 4;
  return [...raw.subarray(at, at + 4)];
}

test('a JPEG photo gets a PNG thumbnail within the box, aspect kept, colours where they were', () => {
  const photo = halves(640, 480);
  assert.ok(isJpeg(photo));
  assert.deepEqual(imageSize(photo), { width: 640, height: 480 });
  const thumb = imageThumbnail(photo, 320, 320);
  assert.ok(thumb, 'a thumbnail is made');
  assert.deepEqual([thumb.width, thumb.height], [320, 240]);
  assert.deepEqual(
    [...thumb.png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''),
    'PNG',
  );
  const [lr, , lb] = pixel(thumb.png, thumb.width, 10, 120);
  const [rr, , rb] = pixel(thumb.png, thumb.width, 310, 120);
  assert.ok(lr! > 150 && lb! < 80, `left stays red (${lr}, ${lb})`);
  assert.ok(rb! > 150 && rr! < 80, `right stays blue (${rr}, ${rb})`);
});

test('a small JPEG is not enlarged', () => {
  const thumb = imageThumbnail(halves(40, 20), 320, 320);
  assert.deepEqual([thumb?.width, thumb?.height], [40, 20]);
});

test('PNG still goes through the PNG reader', () => {
  const png = encodePng(2, 1, new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]));
  assert.deepEqual(imageSize(png), { width: 2, height: 1 });
  assert.deepEqual(
    [imageThumbnail(png, 10, 10)?.width, imageThumbnail(png, 10, 10)?.height],
    [2, 1],
  );
});

test('a truncated JPEG, one declaring a huge picture, and other formats give no thumbnail', () => {
  const photo = halves(64, 64);
  assert.equal(imageThumbnail(photo.subarray(0, 40), 32, 32), null, 'truncated');
  // The frame header says 60000×60000 (3.6 GP): refused before any pixel is decoded.
  const huge = Buffer.from(photo);
  const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
  huge.writeUInt16BE(60_000, sof + 5);
  huge.writeUInt16BE(60_000, sof + 7);
  assert.deepEqual(imageSize(huge), { width: 60_000, height: 60_000 });
  assert.equal(imageThumbnail(huge, 32, 32), null, 'over the pixel limit');
  assert.equal(imageThumbnail(Buffer.from('GIF89a......'), 32, 32), null, 'GIF');
  assert.equal(imageSize(Buffer.from('not a picture')), null);
});
