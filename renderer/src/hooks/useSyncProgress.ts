// Each account's latest sync progress, from 'sync.progress' events. A
// finished sync stays for a moment ("Sync complete", 100%) and then goes.
import { useEffect, useState } from 'react';
import type { SyncProgress } from '../../../main/daemon/model/types.js';
import { useDaemonEvents } from './useDaemonEvents.js';

/** How long "Sync complete" stays up. */
export const DONE_SHOWN_MS = 4000;

export interface ShownProgress extends SyncProgress {
  /** When this report came in (a finished one is dropped DONE_SHOWN_MS later). */
  receivedAt: number;
}

export function useSyncProgress(): Map<number, ShownProgress> {
  const [byAccount, setByAccount] = useState<Map<number, ShownProgress>>(new Map());
  useDaemonEvents((event) => {
    if (event.name !== 'sync.progress') return;
    const p = event.payload;
    setByAccount((m) => new Map(m).set(p.accountId, { ...p, receivedAt: Date.now() }));
  });
  // Drop finished reports once they have been seen.
  const doneAt = [...byAccount.values()].filter((p) => p.phase === 'done').map((p) => p.receivedAt);
  const firstDone = doneAt.length ? Math.min(...doneAt) : null;
  useEffect(() => {
    if (firstDone === null) return;
    const timer = window.setTimeout(
      () =>
        setByAccount((m) => {
          const now = Date.now();
          const kept = [...m].filter(
            ([, p]) => p.phase !== 'done' || now - p.receivedAt < DONE_SHOWN_MS,
          );
          return kept.length === m.size ? m : new Map(kept);
        }),
      Math.max(0, firstDone + DONE_SHOWN_MS - Date.now()),
    );
    return () => window.clearTimeout(timer);
  }, [firstDone]);
  return byAccount;
}
