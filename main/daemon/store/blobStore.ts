// Content-addressed blobs (sha256) under the profile folder. Writes stream to
// a temp file while hashing, then rename into place: a crash leaves either the
// whole file or none, and the same bytes from two accounts are stored once.
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from './database.js';

const SHA256 = /^[0-9a-f]{64}$/;

export class BlobStore {
  private readonly tmpDir: string;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {
    this.tmpDir = join(dir, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Stores the bytes and returns their sha256; stores nothing new if already present. */
  async put(data: Buffer | Uint8Array | AsyncIterable<Uint8Array>, mime: string): Promise<string> {
    const tmp = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const source = data instanceof Uint8Array ? Readable.from([data]) : Readable.from(data);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: 'wx' }),
      );
      const sha = hash.digest('hex');
      const final = this.pathOf(sha);
      if (existsSync(final)) rmSync(tmp);
      else {
        mkdirSync(join(this.dir, sha.slice(0, 2)), { recursive: true });
        renameSync(tmp, final);
      }
      this.db
        .prepare(
          `INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (sha256) DO NOTHING`,
        )
        .run(sha, size, mime, Date.now());
      return sha;
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  has(sha256: string): boolean {
    return SHA256.test(sha256) && existsSync(this.pathOf(sha256));
  }

  info(sha256: string): { size: number; mime: string } | null {
    if (!SHA256.test(sha256)) return null;
    return (
      (this.db.prepare(`SELECT size, mime FROM blobs WHERE sha256 = ?`).get(sha256) as
        { size: number; mime: string } | undefined) ?? null
    );
  }

  /** The file of a stored blob. Only well-formed hashes map to a path. */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a sha256 blob id');
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
