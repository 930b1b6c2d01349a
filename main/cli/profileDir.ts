// The OS user-data folder Electron uses for an app named "Parley", so the CLI
// and the desktop app share one profile by default.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultProfileDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Parley');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Parley');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Parley');
}
