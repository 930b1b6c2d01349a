// Renderer entry: one client (IPC in Electron, WebSocket in web mode), one app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ClientContext } from './api/ClientContext.js';
import { createClient } from './api/client.js';
import { errorMessage } from './api/callError.js';
import { App } from './components/App.js';
import { StartupError } from './components/StartupError.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
try {
  const client = createClient();
  root.render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
} catch (err) {
  root.render(<StartupError message={errorMessage(err)} />);
}
