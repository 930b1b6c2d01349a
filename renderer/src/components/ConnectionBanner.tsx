// Says when web mode has lost its connection to Parley (or never had one).
import { useEffect, useState } from 'react';
import { useClient } from '../api/ClientContext.js';
import type { ConnectionState } from '../api/client.js';

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
  const text = state.everOpened
    ? 'Connection to Parley lost; reconnecting…'
    : state.state === 'connecting'
      ? 'Connecting to Parley…'
      : 'Cannot reach Parley. Is "parley web" still running? Open the address it printed.';
  return (
    <div className="connection-banner" role="status">
      {text}
    </div>
  );
}
