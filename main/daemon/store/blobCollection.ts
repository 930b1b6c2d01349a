// When the blob collector (blobCollector.ts) runs: a pass shortly after the
// daemon starts, then every few hours, each pass in slices between other work
// (a sync batch waits at most one slice: a few hundred hashes of one shard).
import type { BlobCollector, CollectedBlobs } from './blobCollector.js';
import { REAL_TIMERS, type Timers } from './search/quietCompaction.js';

/** The first pass: after start-up's own work (the first sync, the index backlog). */
export const BLOB_COLLECTION_FIRST_MS = 2 * 60_000;
/** Later passes. Deleted messages' files wait for one anyway (and for the grace period). */
export const BLOB_COLLECTION_EVERY_MS = 6 * 60 * 60_000;

export interface BlobCollectionOptions {
  firstMs?: number;
  everyMs?: number;
  /** A slice failed: the daemon's handling (damage, full disk, busy); true when it should be tried again later. */
  failed: (err: unknown) => boolean;
  log: (line: string) => void;
  timers?: Timers;
}

export class BlobCollection {
  private cancelTimer: (() => void) | null = null;
  private closed = false;
  private waiting: ((got: CollectedBlobs) => void)[] = [];
  private readonly timers: Timers;

  constructor(
    private readonly collector: BlobCollector,
    private readonly options: BlobCollectionOptions,
  ) {
    this.timers = options.timers ?? REAL_TIMERS;
  }

  start(): void {
    this.later(this.options.firstMs ?? BLOB_COLLECTION_FIRST_MS);
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** Resolves when the next pass (or the one under way) ends: tests. */
  passDone(): Promise<CollectedBlobs> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private later(wait: number): void {
    if (this.closed || this.cancelTimer) return;
    this.cancelTimer = this.timers.after(wait, () => {
      this.cancelTimer = null;
      this.timers.soon(() => this.slice());
    });
  }

  private slice(): void {
    if (this.closed) return;
    let more: boolean;
    try {
      more = this.collector.step();
    } catch (err) {
      if (this.options.failed(err)) this.later(this.options.firstMs ?? BLOB_COLLECTION_FIRST_MS);
      return;
    }
    if (more) {
      this.timers.soon(() => this.slice());
      return;
    }
    const got = this.collector.takeCollected();
    if (got.files > 0)
      this.options.log(`unused blob files removed: ${got.files} (${got.bytes} bytes)`);
    for (const resolve of this.waiting.splice(0)) resolve(got);
    this.later(this.options.everyMs ?? BLOB_COLLECTION_EVERY_MS);
  }
}
