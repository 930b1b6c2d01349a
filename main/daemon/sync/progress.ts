// Progress of one account's `sync --once`, built from the loop's own
// observations (phase starts and applied batches) rather than by polling.
import type { Store } from '../store/store.js';
import { BACKFILL_STREAM_PREFIX } from '../connectors/connector.js';
import type { SyncObserver, SyncPhase } from './observer.js';

export interface SyncProgress {
  accountId: number;
  /** 'done' once the local copy is complete (or the run gave up). */
  phase: Exclude<SyncPhase, 'live'> | 'done';
  /** Messages new to the local copy in this run. */
  messagesStored: number;
  /**
   * Chats whose history is complete / still to fetch, for connectors that
   * backfill chat by chat; null for one that backfills the account as a whole.
   */
  chatsBackfilled: number | null;
  chatsRemaining: number | null;
}

export type ProgressListener = (progress: SyncProgress) => void;

/**
 * Wraps an observer: passes everything through and reports progress on phase
 * changes and, at most every `intervalMs`, as batches land.
 */
export class ProgressTracker {
  /** Null until the loop reports its first phase. */
  private phase: SyncProgress['phase'] | null = null;
  private messagesStored = 0;
  private lastReport = 0;

  constructor(
    private readonly accountId: number,
    private readonly store: Store,
    private readonly listener: ProgressListener,
    private readonly intervalMs = 1000,
  ) {}

  wrap(inner: SyncObserver): SyncObserver {
    return {
      ...inner,
      batchApplied: (id, result, phase) => {
        inner.batchApplied(id, result, phase);
        if (id !== this.accountId) return;
        this.messagesStored += result.insertedMessageIds.length;
        if (Date.now() - this.lastReport >= this.intervalMs) this.report();
      },
      phaseStarted: (id, phase) => {
        inner.phaseStarted?.(id, phase);
        if (id !== this.accountId || phase === 'live') return;
        const changed = phase !== this.phase;
        this.phase = phase;
        if (changed) this.report();
      },
    };
  }

  /** The final report: the run ended (completely or not; the caller knows which). */
  finish(): SyncProgress {
    this.phase = 'done';
    return this.report();
  }

  private report(): SyncProgress {
    this.lastReport = Date.now();
    const cursors = this.store.writer.cursorsWithPrefix(this.accountId, BACKFILL_STREAM_PREFIX);
    const done = cursors.filter((c) => c === 'done').length;
    const progress: SyncProgress = {
      accountId: this.accountId,
      phase: this.phase ?? 'initial',
      messagesStored: this.messagesStored,
      chatsBackfilled: cursors.length ? done : null,
      chatsRemaining: cursors.length ? cursors.length - done : null,
    };
    this.listener(progress);
    return progress;
  }
}
