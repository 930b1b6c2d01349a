// App-wide settings (do-not-disturb, per-account notification levels).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppSettings, ProcedureInput } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { useReconnect } from './useDaemonEvents.js';

export interface SettingsState {
  settings: AppSettings | null;
  error: string | null;
  /** The latest settings, for callbacks that must not re-subscribe. */
  latest: { current: AppSettings | null };
  update(change: ProcedureInput<'settings.set'>): Promise<void>;
}

export function useSettings(): SettingsState {
  const client = useClient();
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<AppSettings | null>(null);
  latest.current = settings;
  const load = useCallback(() => {
    client
      .call('settings.get', {})
      .then(setSettings, (err: unknown) => setError(errorMessage(err)));
  }, [client]);
  useEffect(load, [load]);
  useReconnect(load);
  const update = useCallback(
    async (change: ProcedureInput<'settings.set'>) => {
      try {
        const next = await client.call('settings.set', change);
        latest.current = next;
        setSettings(next);
        setError(null);
      } catch (err) {
        setError(errorMessage(err));
        throw err;
      }
    },
    [client],
  );
  return { settings, error, latest, update };
}
