// Content-addressed blobs (sha256) under the profile folder: the files
// (blobFiles.ts: temp file, hash, rename; one copy per content across
// accounts) and a row per blob with its size and type.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { WriteDb } from './database.js';
import { SHA256_PATTERN as SHA256, blobPath, refreshBlobFile, writeBlobFile } from './blobFiles.js';

export class BlobStore {
  constructor(
    private readonly db: WriteDb,
    /** The blob folder: <profile>/blobs. */
    readonly dir: string,
  ) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  /** Stores the bytes and returns their sha256; stores nothing new if already present. */
  async put(data: Buffer | Uint8Array | AsyncIterable<Uint8Array>, mime: string): Promise<string> {
    const { sha256, size } = await writeBlobFile(this.dir, data);
    this.record(sha256, size, mime);
    return sha256;
  }

  /**
   * Takes in a file another writer put into the blob folder (web mode's upload
   * route): it must be there and hash to its name; then it gets its row.
   * Returns false when there is no such file (never uploaded, or collected as
   * unused after the grace period).
   */
  async adopt(sha256: string, mime: string): Promise<boolean> {
    // Refreshed first, so the blob collector spares it while it is re-hashed
    // and until the caller's row names it (blobCollector.ts).
    if (!SHA256.test(sha256) || !refreshBlobFile(this.pathOf(sha256))) return false;
    if (this.info(sha256)) return true;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(this.pathOf(sha256)) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    if (hash.digest('hex') !== sha256) return false;
    this.record(sha256, size, mime);
    return true;
  }

  private record(sha256: string, size: number, mime: string): void {
    this.db
      .prepare(
        `INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (sha256) DO NOTHING`,
      )
      .run(sha256, size, mime, Date.now());
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
    return blobPath(this.dir, sha256);
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
