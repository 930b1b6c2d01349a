// When the word index is merged (indexCompactor.ts): after the daemon has
// written nothing for a while and its index backlogs are empty, in slices
// between other work. A write during the merge makes it yield; it resumes once
// the daemon is quiet again (FTS5 keeps the unfinished merge in the index).
import type { IndexCompactor } from './indexCompactor.js';

/** How long without new messages before the index is merged. */
export const COMPACTION_QUIET_MS = 60_000;

export interface QuietCompactionOptions {
  quietMs?: number;
  /** A slice failed: the daemon's handling (damage, full disk); true when it should be tried again later. */
  failed: (err: unknown) => boolean;
  log: (line: string) => void;
  /** Tests: the clock and the timers. */
  now?: () => number;
  timers?: Timers;
}

export interface Timers {
  /** Runs `fn` after `ms`; returns a cancel. */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` after the I/O already queued (between other work). */
  soon(fn: () => void): void;
}

/** Timers that never keep the process alive on their own (background work). */
export const REAL_TIMERS: Timers = {
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  soon: (fn) => setImmediate(fn),
};

export class QuietCompaction {
  private lastWriteAt: number;
  private cancelTimer: (() => void) | null = null;
  private running = false;
  private closed = false;
  private readonly quietMs: number;
  private readonly now: () => number;
  private readonly timers: Timers;

  constructor(
    private readonly compactor: IndexCompactor,
    private readonly options: QuietCompactionOptions,
  ) {
    this.quietMs = options.quietMs ?? COMPACTION_QUIET_MS;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_TIMERS;
    this.lastWriteAt = this.now();
  }

  /** Messages were written: a merge under way yields, and the quiet period starts again. */
  wrote(): void {
    this.lastWriteAt = this.now();
  }

  /** The index backlogs are empty: merge once the daemon has been quiet long enough. */
  idle(): void {
    this.later(Math.max(0, this.lastWriteAt + this.quietMs - this.now()));
  }

  private later(wait: number): void {
    if (this.closed || this.running || this.cancelTimer) return;
    this.cancelTimer = this.timers.after(wait, () => {
      this.cancelTimer = null;
      this.begin();
    });
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private begin(): void {
    if (this.closed) return;
    if (this.now() - this.lastWriteAt < this.quietMs) return this.idle();
    let needed: boolean;
    try {
      needed = this.compactor.needed();
    } catch (err) {
      if (this.options.failed(err)) this.later(this.quietMs);
      return;
    }
    if (!needed) return;
    const startedAt = this.lastWriteAt;
    const segments = this.compactor.segments();
    const began = this.now();
    this.running = true;
    const slice = () => {
      if (this.closed) return;
      if (this.lastWriteAt !== startedAt) {
        this.running = false;
        return this.idle();
      }
      let more: boolean;
      try {
        more = this.compactor.step();
      } catch (err) {
        this.running = false;
        if (this.options.failed(err)) this.later(this.quietMs);
        return;
      }
      if (more) {
        this.timers.soon(slice);
        return;
      }
      this.running = false;
      this.options.log(
        `word index merged: ${segments} segments into one (${this.now() - began} ms with other work between)`,
      );
    };
    this.timers.soon(slice);
  }
}
