// Workspaces and their accounts, for the rail. Account status follows
// 'account.status' events.
import { useCallback, useEffect, useState } from 'react';
import type { Account, Workspace } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

export interface WorkspacesState {
  workspaces: Workspace[];
  accounts: Account[];
  error: string | null;
}

export interface WorkspacesHook extends WorkspacesState {
  reload(): void;
}

export function useWorkspaces(): WorkspacesHook {
  const client = useClient();
  const [state, setState] = useState<WorkspacesState>({
    workspaces: [],
    accounts: [],
    error: null,
  });

  const load = useCallback(() => {
    Promise.all([client.call('workspaces.list', {}), client.call('accounts.list', {})]).then(
      ([workspaces, accounts]) => setState({ workspaces, accounts, error: null }),
      (err: unknown) => setState((s) => ({ ...s, error: errorMessage(err) })),
    );
  }, [client]);

  useEffect(load, [load]);
  useReconnect(load);
  useDaemonEvents((event) => {
    if (event.name !== 'account.status') return;
    const { accountId, status, detail, retryAt } = event.payload;
    setState((s) => {
      if (!s.accounts.some((a) => a.id === accountId)) {
        load();
        return s;
      }
      return {
        ...s,
        accounts: s.accounts.map((a) =>
          a.id === accountId ? { ...a, status, statusDetail: detail, retryAt } : a,
        ),
      };
    });
  });
  return { ...state, reload: load };
}
