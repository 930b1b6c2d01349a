// Progress of one account's initial sync and backfill, built from the loop's
// own observations (phase starts and ends, applied batches and the chat counts
// a connector gives with them) rather than by polling. The engine keeps one
// per running account (the daemon's sync.progress event) and one per
// `sync --once` run (the CLI's progress line).
import type { SyncBatch, SyncProgress } from '../model/types.js';
import type { Store } from '../store/store.js';
import { BACKFILL_STREAM_PREFIX } from '../connectors/connector.js';
import type { SyncObserver, SyncPhase } from './observer.js';

export type { SyncProgress } from '../model/types.js';
export type ProgressListener = (progress: SyncProgress) => void;

/** Below this share done, or this soon after a phase began, a pace says little. */
const MIN_FRACTION_FOR_ETA = 0.02;
const MIN_ELAPSED_FOR_ETA_MS = 300;

/**
 * Wraps an observer: passes everything through and reports progress on phase
 * changes, when the known chat total changes, and, at most every
 * `intervalMs`, as batches land.
 */
export class ProgressTracker {
  /** Null until the loop reports its first phase. */
  private phase: SyncProgress['phase'] | null = null;
  private phaseStartedAt = 0;
  private messagesStored = 0;
  /** The initial sync's chats done / in all, as the connector counted them. */
  private initialChats: { done: number; total: number } | null = null;
  private initialFinished = false;
  private lastReport = 0;

  constructor(
    private readonly accountId: number,
    private readonly store: Store,
    private readonly listener: ProgressListener,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  wrap(inner: SyncObserver): SyncObserver {
    return {
      ...inner,
      batchApplied: (id, result, phase, progress) => {
        inner.batchApplied(id, result, phase, progress);
        if (id !== this.accountId || phase === 'live') return;
        this.messagesStored += result.insertedMessageIds.length;
        const totalChanged = phase === 'initial' && this.countInitial(progress);
        if (totalChanged || this.now() - this.lastReport >= this.intervalMs) this.report();
      },
      phaseStarted: (id, phase) => {
        inner.phaseStarted?.(id, phase);
        if (id === this.accountId && phase !== 'live') this.begin(phase);
      },
      phaseFinished: (id, phase) => {
        inner.phaseFinished?.(id, phase);
        if (id !== this.accountId) return;
        if (phase === 'initial') {
          this.initialFinished = true;
          this.report();
        } else this.finish();
      },
    };
  }

  /** The final report: the run ended (completely or not; the caller knows which). */
  finish(): SyncProgress {
    this.phase = 'done';
    return this.report();
  }

  private begin(phase: Exclude<SyncPhase, 'live'>): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.phaseStartedAt = this.now();
    if (phase === 'initial') {
      this.initialChats = null;
      this.initialFinished = false;
    }
    this.report();
  }

  /** Takes the batch's chat count; true when the total is new (worth a report at once). */
  private countInitial(progress: SyncBatch['progress']): boolean {
    if (!progress) return false;
    const changed = this.initialChats?.total !== progress.total;
    this.initialChats = { done: progress.done, total: progress.total };
    return changed;
  }

  private report(): SyncProgress {
    this.lastReport = this.now();
    const cursors = this.store.writer.cursorsWithPrefix(this.accountId, BACKFILL_STREAM_PREFIX);
    const backfilled = cursors.filter((c) => c === 'done').length;
    const phase = this.phase ?? 'initial';
    const chats = this.chatCounts(phase, backfilled, cursors.length);
    const fraction =
      phase === 'done' || (phase === 'initial' && this.initialFinished)
        ? 1
        : chats && chats.total > 0
          ? Math.min(1, chats.done / chats.total)
          : null;
    const progress: SyncProgress = {
      accountId: this.accountId,
      phase,
      messagesStored: this.messagesStored,
      chatsDone: chats?.done ?? null,
      chatsTotal: chats?.total ?? null,
      fraction,
      etaMs: this.eta(fraction),
      chatsBackfilled: cursors.length ? backfilled : null,
      chatsRemaining: cursors.length ? cursors.length - backfilled : null,
    };
    this.listener(progress);
    return progress;
  }

  private chatCounts(
    phase: SyncProgress['phase'],
    backfilled: number,
    backfillStreams: number,
  ): { done: number; total: number } | null {
    if (phase === 'initial') {
      const c = this.initialChats;
      if (!c) return null;
      return this.initialFinished ? { done: c.total, total: c.total } : c;
    }
    return backfillStreams ? { done: backfilled, total: backfillStreams } : null;
  }

  private eta(fraction: number | null): number | null {
    if (fraction === null || fraction >= 1 || fraction < MIN_FRACTION_FOR_ETA) return null;
    const elapsed = this.now() - this.phaseStartedAt;
    if (elapsed < MIN_ELAPSED_FOR_ETA_MS) return null;
    return Math.round((elapsed * (1 - fraction)) / fraction);
  }
}
