// Runs the `parley` command as a user would, for tests: a child process with
// no keychain reachable (commands that need none must not care), its exit code
// and both streams.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('../../main/cli/index.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Cli = (args: string[], input?: string) => CliRun;

/**
 * A runner for the CLI. `entry` is the built `bin/parley.js` or, through tsx,
 * the source `main/cli/index.ts`; `profileDir`, when given, is appended as
 * `--profile DIR` to every call.
 */
export function cliRunner(entry: 'bin' | 'source', profileDir?: string): Cli {
  const head = entry === 'bin' ? [BIN] : ['--import', 'tsx', SOURCE];
  return (args, input = '') => {
    const r = spawnSync(
      process.execPath,
      [...head, ...args, ...(profileDir ? ['--profile', profileDir] : [])],
      { input, encoding: 'utf8', env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** `parley accounts add matrix …` for a registered Synapse user, secrets kept in the profile. */
export function addMatrixAccount(
  cli: Cli,
  serverUrl: string,
  user: { localpart: string; password: string },
): CliRun {
  return cli(
    [
      'accounts',
      'add',
      'matrix',
      '--server',
      serverUrl,
      '--user',
      user.localpart,
      '--password-stdin',
      '--insecure-store',
    ],
    `${user.password}\n`,
  );
}
