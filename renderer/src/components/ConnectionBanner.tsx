// Says when web mode has lost its connection to Parley (or never had one).
import { useEffect, useState } from 'react';
import { useClient } from '../api/ClientContext.js';
import type { ConnectionState } from '../api/client.js';
import { strings } from '../lib/strings.js';

export function ConnectionBanner() {
  const client = useClient();
  const [state, setState] = useState<{ state: ConnectionState; everOpened: boolean }>({
    state: 'open',
    everOpened: true,
  });
  useEffect(
    () => client.onConnection((s, everOpened) => setState({ state: s, everOpened })),
    [client],
  );
  if (state.state === 'open') return null;
  const s = strings.connection;
  const text = state.everOpened
    ? s.lost
    : state.state === 'connecting'
      ? s.connecting
      : s.unreachable;
  return (
    <div className="connection-banner" role="status">
      {text}
    </div>
  );
}
