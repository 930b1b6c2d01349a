// What the sync engine reports upward. The daemon turns these into API events;
// tests and the CLI listen directly.
import type { AccountStatus } from '../model/types.js';

export type SyncPhase = 'initial' | 'live' | 'backfill';
import type { BatchResult } from '../store/batchWriter.js';
import type { OutboxEntry } from '../store/outbox.js';

export interface SyncObserver {
  /** `phase` tells live traffic (worth a notification) from initial sync and backfill. */
  batchApplied(accountId: number, result: BatchResult, phase: SyncPhase): void;
  accountStatus(accountId: number, status: AccountStatus, detail: string | null): void;
  outboxChanged(entry: OutboxEntry): void;
  /** Operational log lines: never tokens or message bodies. */
  log(accountId: number, message: string): void;
  /** A loop began a phase (the CLI's `sync --once` shows it as progress). */
  phaseStarted?(accountId: number, phase: SyncPhase): void;
}

export const silentObserver: SyncObserver = {
  batchApplied: () => undefined,
  accountStatus: () => undefined,
  outboxChanged: () => undefined,
  log: () => undefined,
};
