// Renderer entry: one client (IPC in Electron, WebSocket in web mode), one app.
//
// The chat list's first paint waits on nothing it does not need: the app
// renders at once, while the socket opens, and its first calls queue behind
// the connection; the profile's health check goes out first on the same
// connection, in parallel, not before everything else. Nothing here waits
// for a round trip before React starts (issue #14: first paint ≤ 200 ms).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ClientContext } from './api/ClientContext.js';
import { createClient, requireWebSession } from './api/client.js';
import { errorMessage } from './api/callError.js';
import { App } from './components/App.js';
import { StartupError } from './components/StartupError.js';
import { DatabaseRecovery } from './components/DatabaseRecovery.js';
import './styles.css';
import './rich.css';

const root = createRoot(document.getElementById('root')!);
const client = createClient();
let failed = false;
const fail = (err: unknown) => {
  failed = true;
  client.close();
  root.render(<StartupError message={errorMessage(err)} />);
};

// In web mode the page is signed in by a cookie it cannot read. A page without
// it cannot open the socket: when the first attempt fails, ask why, so an
// address without the token says so instead of reconnecting forever.
if (!window.parley) {
  let stop = (): void => undefined;
  stop = client.onConnection((state, everOpened) => {
    if (everOpened) return stop();
    if (state !== 'closed') return;
    stop();
    requireWebSession().catch(fail);
  });
}

const showApp = () => {
  if (failed) return;
  root.render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
};
// Asked first, so the daemon answers it before the app's own calls.
const health = client.call('profile.health', {});
showApp();
// A damaged database: say so and offer the latest backup instead of the app.
health.then((h) => {
  if (h.database === 'damaged' && !failed)
    root.render(<DatabaseRecovery client={client} health={h} onRestored={showApp} />);
}, fail);
