// Renderer entry: one client (IPC in Electron, WebSocket in web mode), one app.
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
async function start(): Promise<void> {
  // In web mode the page is signed in by a cookie it cannot read: ask first, so
  // an address without the token says so instead of reconnecting forever.
  if (!window.parley) await requireWebSession();
  const client = createClient();
  const showApp = () =>
    root.render(
      <StrictMode>
        <ClientContext.Provider value={client}>
          <App />
        </ClientContext.Provider>
      </StrictMode>,
    );
  // A damaged database: say so and offer the latest backup before anything else.
  const health = await client.call('profile.health', {});
  if (health.database === 'damaged')
    root.render(<DatabaseRecovery client={client} health={health} onRestored={showApp} />);
  else showApp();
}
start().catch((err: unknown) => root.render(<StartupError message={errorMessage(err)} />));
