// The verifications going on, from `verification.updated` events (and a read
// at start and after a reconnect): the dialog shows the newest one that needs
// the user, until it ends and is dismissed.
import { useCallback, useEffect, useState } from 'react';
import type { VerificationView } from '../../../main/daemon/model/security.js';
import { useClient } from '../api/ClientContext.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

const key = (v: VerificationView) => `${v.accountId}\n${v.flowId}`;

export interface VerificationsState {
  /** The one to show (null: none). */
  shown: VerificationView | null;
  dismiss(v: VerificationView): void;
  /** A step the user took: the answer replaces the view at once. */
  update(v: VerificationView): void;
}

export function useVerifications(): VerificationsState {
  const client = useClient();
  const [flows, setFlows] = useState<Map<string, VerificationView>>(new Map());
  const [dismissed, setDismissed] = useState<Set<string>>(new Set());

  const update = useCallback((v: VerificationView) => {
    setFlows((m) => new Map(m).set(key(v), v));
  }, []);
  const read = useCallback(() => {
    client.call('verification.list', {}).then(
      (all) => {
        // Ended before this window opened: nothing for the user to do.
        for (const v of all) if (v.phase !== 'done' && v.phase !== 'cancelled') update(v);
      },
      () => undefined,
    );
  }, [client, update]);
  useEffect(read, [read]);
  useReconnect(read);
  useDaemonEvents((e) => {
    if (e.name === 'verification.updated') update(e.payload);
  });

  const open = [...flows.values()].filter((v) => !dismissed.has(key(v)));
  // An ended flow is shown only if the user saw it going on (it is in `flows` from an event).
  const shown = open.at(-1) ?? null;
  return {
    shown,
    update,
    dismiss: (v) => setDismissed((d) => new Set(d).add(key(v))),
  };
}
