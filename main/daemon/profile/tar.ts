// The few parts of POSIX ustar that a profile backup needs: regular files
// with relative names of up to 100 bytes, written and read as streams. Any
// `tar` lists and extracts what `parley backup` writes.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const BLOCK = 512;

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, '0') + '\0';
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.floor(mtime / 1000), 12), 136);
  h.write('        ', 148); // the checksum counts its own field as spaces
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export class TarWriter {
  private readonly out: WriteStream;

  constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'wx' });
  }

  private write(chunk: Buffer | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.out.write(chunk, (err) => (err ? reject(err) : resolve())),
    );
  }

  async addBuffer(name: string, data: Buffer, mtime = Date.now()): Promise<void> {
    await this.write(header(name, data.length, mtime));
    await this.write(data);
    await this.pad(data.length);
  }

  async addFile(name: string, path: string, size: number, mtime = Date.now()): Promise<void> {
    await this.write(header(name, size, mtime));
    let written = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > size) throw new Error(`tar: ${name} grew while being archived`);
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`tar: ${name} shrank while being archived`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest));
  }

  async close(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(resolve);
    });
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes, streamed from the archive. */
  open(): Readable;
}

/** The regular files of an archive, in order; a malformed header is an error. */
export async function* readTar(file: string): AsyncGenerator<TarEntry> {
  const fd = await open(file, 'r');
  try {
    const h = Buffer.alloc(BLOCK);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await fd.read(h, 0, BLOCK, offset);
      if (bytesRead < BLOCK) throw new Error('not a Parley backup: the archive ends early');
      if (h.every((b) => b === 0)) return;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      const field = (start: number, length: number) =>
        h
          .subarray(start, start + length)
          .toString('utf8')
          .replace(/\0.*$/s, '')
          .trim();
      if (parseInt(field(148, 8), 8) !== sum)
        throw new Error('not a Parley backup: a damaged archive header');
      const name = field(0, 100);
      const size = parseInt(field(124, 12), 8);
      const type = field(156, 1) || '0';
      const start = offset + BLOCK;
      if (type === '0')
        yield {
          name,
          size,
          open: () =>
            size === 0
              ? Readable.from([])
              : createReadStream(file, { start, end: start + size - 1 }),
        };
      offset = start + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await fd.close();
  }
}
