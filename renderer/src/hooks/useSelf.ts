// The user's own remote ids per account, to tell their messages apart.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

/** Whether a message is the user's own; `idsOf` gives the user's ids on an account (pills). */
export type IsMine = ((m: MessageView) => boolean) & {
  idsOf(accountId: number): ReadonlySet<string>;
};

const NONE: ReadonlySet<string> = new Set();

export function useSelf(): IsMine {
  const client = useClient();
  const [selves, setSelves] = useState<Map<number, Set<string>>>(new Map());
  const load = useCallback(() => {
    client.call('accounts.self', {}).then(
      (list) => setSelves(new Map(list.map((s) => [s.accountId, new Set(s.remoteIds)]))),
      () => undefined,
    );
  }, [client]);
  useEffect(load, [load]);
  useReconnect(load);
  useDaemonEvents((e) => {
    if (e.name === 'account.status' && !selves.has(e.payload.accountId)) load();
  });
  const isMine = useCallback(
    (m: MessageView) =>
      m.senderRemoteId !== null && (selves.get(m.accountId)?.has(m.senderRemoteId) ?? false),
    [selves],
  );
  return useMemo(
    () => Object.assign(isMine, { idsOf: (accountId: number) => selves.get(accountId) ?? NONE }),
    [isMine, selves],
  );
}
