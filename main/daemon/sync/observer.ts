// What the sync engine reports upward. The daemon turns these into API events;
// tests and the CLI listen directly.
import type { AccountStatus, SyncBatch, SyncProgress } from '../model/types.js';
import type { SecurityEvent } from '../model/security.js';

export type SyncPhase = 'initial' | 'live' | 'backfill';
import type { BatchResult } from '../store/batchWriter.js';
import type { OutboxEntry } from '../store/outbox.js';

export interface SyncObserver {
  /**
   * `phase` tells live traffic (worth a notification) from initial sync and
   * backfill; `progress` is the batch's own count of chats done, when the
   * connector gives one.
   */
  batchApplied(
    accountId: number,
    result: BatchResult,
    phase: SyncPhase,
    progress?: SyncBatch['progress'],
  ): void;
  /** `retryAt`: when the loop tries again (epoch ms), while it waits after a failure. */
  accountStatus(
    accountId: number,
    status: AccountStatus,
    detail: string | null,
    retryAt?: number | null,
  ): void;
  outboxChanged(entry: OutboxEntry): void;
  /** Operational log lines: never tokens or message bodies. */
  log(accountId: number, message: string): void;
  /** A loop began a phase (the CLI's `sync --once` shows it as progress). */
  phaseStarted?(accountId: number, phase: SyncPhase): void;
  /** A loop finished a phase: the initial sync's catch-up, or backfill to its end. */
  phaseFinished?(accountId: number, phase: Exclude<SyncPhase, 'live'>): void;
  /** How far the initial sync or backfill has come (sync/progress.ts). */
  progress?(progress: SyncProgress): void;
  /** End-to-end security news from a connector (a verification's step, an identity change). */
  security?(accountId: number, event: SecurityEvent): void;
}

export const silentObserver: SyncObserver = {
  batchApplied: () => undefined,
  accountStatus: () => undefined,
  outboxChanged: () => undefined,
  log: () => undefined,
};
