// The user's own remote ids per account, to tell their messages apart.
import { useCallback, useEffect, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

export type IsMine = (m: MessageView) => boolean;

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
  return useCallback(
    (m: MessageView) =>
      m.senderRemoteId !== null && (selves.get(m.accountId)?.has(m.senderRemoteId) ?? false),
    [selves],
  );
}
