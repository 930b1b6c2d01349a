// Deletes blob files no row needs any more (a deleted message's file, a
// cleared chat's, a removed account's avatars), in small slices: one call of
// step() looks at a few hundred hashes of one shard folder (blobs/ab/).
//
// A blob goes only when (1) no row names its hash (blobReferences.ts, the one
// list of referencing tables), asked in the same synchronous turn as the
// deletion, so no write of this connection can slip in between, and (2) its
// file is older than the grace period. The grace period is what protects a
// blob between its file landing and its row being written:
// - BlobStore.put writes the file (fresh mtime), then its caller writes the
//   row (an outbox entry, a media_cache row, an attachment link);
// - web mode's upload route (another thread, blobFiles.ts) writes the file,
//   and the daemon adopts it when messages.sendAttachment names it later;
// - a write whose content is already on disk refreshes that file's mtime
//   (writeBlobFile), and adopt refreshes it before it re-hashes, so an old
//   unreferenced file that is being reused counts as fresh again.
// That last refresh can race the collector on another thread or process:
// the collector reads the age, the writer refreshes, the collector deletes.
// So the collector first takes the file out of place (an atomic rename into
// tmp/), judges the age of what it took, and puts it back if it is young: a
// refresh or a rewrite before the rename is seen, and one after it finds no
// file and writes a new one (writeBlobFile renames its temp file into place
// when the refresh finds nothing).
// Never touched: tmp/ (unfinished writes), names that are not a sha256 of
// their shard, anything that is not a regular file.
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readerOf, type WriteDb } from './database.js';
import { SHA256_PATTERN, blobPath } from './blobFiles.js';
import { referencedBlobs } from './blobReferences.js';
import { statement } from './statements.js';

/** A blob file younger than this stays even when nothing names it. */
export const BLOB_GRACE_MS = 24 * 60 * 60_000;
/** Hashes looked at per step. */
const SLICE = 200;
/** The collector's own name for a file it has taken out of place. */
const TAKEN_PREFIX = 'collected-';

const SHARDS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export interface CollectedBlobs {
  files: number;
  bytes: number;
}

export interface BlobCollectorOptions {
  graceMs?: number;
  /** Tests: the clock the grace period is measured with. */
  now?: () => number;
  log?: (line: string) => void;
}

type Outcome = 'removed' | 'young' | 'absent' | 'skipped';

export class BlobCollector {
  private shard = 0;
  private pending: string[] | null = null;
  private collected: CollectedBlobs = { files: 0, bytes: 0 };
  private readonly graceMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly db: WriteDb,
    private readonly dir: string,
    options: BlobCollectorOptions = {},
  ) {
    this.graceMs = options.graceMs ?? BLOB_GRACE_MS;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  /** One slice of a pass over every shard; true while the pass has more. */
  step(): boolean {
    if (this.shard === 0 && this.pending === null) this.sweepTaken();
    const prefix = SHARDS[this.shard]!;
    this.pending ??= this.candidates(prefix);
    this.collect(this.pending.splice(0, SLICE));
    if (this.pending.length > 0) return true;
    this.pending = null;
    this.shard++;
    if (this.shard < SHARDS.length) return true;
    this.shard = 0;
    return false;
  }

  /** What the passes so far removed; the count starts again. */
  takeCollected(): CollectedBlobs {
    const got = this.collected;
    this.collected = { files: 0, bytes: 0 };
    return got;
  }

  /** A whole pass at once (tests, and a profile with few blobs). */
  collectAll(): CollectedBlobs {
    while (this.step());
    return this.takeCollected();
  }

  /** The shard's blob files and rows: a row may have lost its file, and goes too. */
  private candidates(prefix: string): string[] {
    const names = new Set<string>();
    try {
      for (const name of readdirSync(join(this.dir, prefix)))
        if (SHA256_PATTERN.test(name) && name.startsWith(prefix)) names.add(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log(`blob folder ${prefix} unreadable: ${(err as Error).message}`);
    }
    const rows = statement(this.db, `SELECT sha256 FROM blobs WHERE sha256 >= ? AND sha256 < ?`)
      .pluck()
      .all(prefix, `${prefix}g`) as string[];
    for (const sha of rows) if (SHA256_PATTERN.test(sha)) names.add(sha);
    return [...names].sort();
  }

  private collect(hashes: string[]): void {
    if (hashes.length === 0) return;
    const cutoff = this.now() - this.graceMs;
    // Asked here, in the same turn as the deletions below: nothing of this
    // connection can add a reference in between.
    const referenced = referencedBlobs(readerOf(this.db), hashes);
    for (const sha of hashes) {
      if (referenced.has(sha)) continue;
      const outcome = this.removeFileIfOld(sha, cutoff);
      if (outcome === 'removed') this.forgetRow(sha, Infinity);
      else if (outcome === 'absent') this.forgetRow(sha, cutoff);
    }
  }

  /** The blob's row goes with its file; a row without a file once it is older than the grace period. */
  private forgetRow(sha: string, createdBefore: number): void {
    try {
      statement(this.db, `DELETE FROM blobs WHERE sha256 = ? AND created_at < ?`).run(
        sha,
        createdBefore === Infinity ? Number.MAX_SAFE_INTEGER : createdBefore,
      );
    } catch (err) {
      // Another process named the hash since we asked (the foreign key refused): it stays.
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw err;
    }
  }

  private removeFileIfOld(sha: string, cutoff: number): Outcome {
    const path = blobPath(this.dir, sha);
    try {
      const seen = lstatSync(path);
      if (!seen.isFile()) return 'skipped';
      if (seen.mtimeMs >= cutoff) return 'young';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'skipped';
    }
    const taken = join(this.dir, 'tmp', `${TAKEN_PREFIX}${sha}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(path, taken);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'skipped';
    }
    try {
      // Judged again on what was taken: a writer may have refreshed or replaced it meanwhile.
      const got = lstatSync(taken);
      if (got.mtimeMs >= cutoff) {
        renameSync(taken, path);
        return 'young';
      }
      unlinkSync(taken);
      this.collected.files++;
      this.collected.bytes += got.size;
      return 'removed';
    } catch (err) {
      this.log(`blob ${sha.slice(0, 8)}… not collected: ${(err as Error).message}`);
      return 'skipped';
    }
  }

  /** Files the collector took and a crash left in tmp/ (only its own names, only old ones). */
  private sweepTaken(): void {
    const tmp = join(this.dir, 'tmp');
    const cutoff = this.now() - this.graceMs;
    let names: string[];
    try {
      names = readdirSync(tmp);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(TAKEN_PREFIX)) continue;
      try {
        const file = join(tmp, name);
        const st = lstatSync(file);
        if (st.isFile() && st.mtimeMs < cutoff) unlinkSync(file);
      } catch {
        // Gone already, or not ours to judge: left alone.
      }
    }
  }
}
