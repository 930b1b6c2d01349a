// `parley web`: the daemon in its worker thread, the renderer and API served
// on 127.0.0.1 with a per-launch token. Runs until Ctrl+C.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DaemonHost } from '../daemon/host/daemonHost.js';
import { openSecretStore } from '../daemon/secrets/openSecretStore.js';
import { lazySecretBroker } from '../daemon/secrets/lazySecretBroker.js';
import { startWebHost } from '../web/webHost.js';
import { defaultProfileDir } from './profileDir.js';
import { CliError } from './usage.js';

/** The built renderer: out/renderer beside out/node (built) or from the repo root (tsx). */
export function rendererDir(): string | null {
  for (const rel of ['../renderer', '../../out/renderer']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

export async function web(
  args: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: 'string' },
      port: { type: 'string' },
      'insecure-store': { type: 'boolean' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError('--port must be 0–65535', 2);
  const profileDir = values.profile ?? defaultProfileDir();
  const secrets = lazySecretBroker(() =>
    openSecretStore({ profileDir, allowInsecure: values['insecure-store'] ?? false }),
  );
  const host = new DaemonHost({ profileDir, secrets, log: (line) => io.stderr(`${line}\n`) });
  await host.ready;
  const ui = rendererDir();
  if (!ui)
    io.stderr('warning: the renderer is not built (run "npm run build"); serving the API only\n');
  const server = await startWebHost({
    client: host,
    port,
    rendererDir: ui,
    blobDir: join(profileDir, 'blobs'),
  });
  host.startSync();
  io.stdout(`Parley is running at ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await host.close();
  return 0;
}
