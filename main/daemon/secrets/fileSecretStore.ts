// INSECURE fallback secret store, used only with --insecure-store: the
// secrets are kept UNENCRYPTED in <profileDir>/secrets.json. The only
// protection is the file mode (0600) and directory mode (0700), i.e. anything
// that runs as the same user (or root, or a backup) can read them.
//
// Writes are atomic: the whole document is written to a temporary file in the
// same directory (mode 0600), fsynced, then renamed over secrets.json, so a
// crash or power loss leaves either the old or the new file, never a partial
// one. Temporary files left behind by a crash are removed on the next write.
// Writes from one process are serialized; two processes writing at the same
// moment can lose one update (last rename wins) but never corrupt the file.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertAccount, assertSecret, type SecretStore } from './secretStore.js';

/** File name of the insecure store inside the profile directory. */
export const INSECURE_SECRETS_FILE = 'secrets.json';

const TMP_PREFIX = `${INSECURE_SECRETS_FILE}.tmp-`;

const WARNING =
  'INSECURE: these secrets are stored in plain text because Parley was run with ' +
  '--insecure-store (no system keychain was available). Anyone who can read this file can use them.';

interface SecretsFile {
  warning: string;
  version: 1;
  secrets: Record<string, string>;
}

export interface FileSecretStoreOptions {
  /**
   * Test hook, called after the temporary file is written and synced and
   * before it is renamed over secrets.json (a throw or a crash here must
   * leave the previous file intact).
   */
  beforeCommit?: (tmpPath: string) => void | Promise<void>;
}

export function insecureSecretsPath(profileDir: string): string {
  return join(resolve(profileDir), INSECURE_SECRETS_FILE);
}

export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  /** Absolute path of the plain-text secrets file. */
  readonly location: string;
  readonly insecure = true;
  private readonly dir: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    profileDir: string,
    private readonly options: FileSecretStoreOptions = {},
  ) {
    this.dir = resolve(profileDir);
    this.location = insecureSecretsPath(profileDir);
  }

  async get(account: string): Promise<string | null> {
    assertAccount(account);
    const doc = await this.read();
    return Object.hasOwn(doc.secrets, account) ? (doc.secrets[account] ?? null) : null;
  }

  async set(account: string, secret: string): Promise<void> {
    assertAccount(account);
    assertSecret(secret);
    await this.update((secrets) => {
      secrets[account] = secret;
      return true;
    });
  }

  async delete(account: string): Promise<boolean> {
    assertAccount(account);
    return this.update((secrets) => {
      if (!Object.hasOwn(secrets, account)) return false;
      delete secrets[account];
      return true;
    });
  }

  /** Account names that have a secret (values are not returned). */
  async accounts(): Promise<string[]> {
    return Object.keys((await this.read()).secrets);
  }

  // Read-modify-write, serialized within this process. `change` returns
  // whether it changed anything; nothing is written when it did not.
  private update(change: (secrets: Record<string, string>) => boolean): Promise<boolean> {
    const run = this.queue.then(async () => {
      const doc = await this.read();
      const changed = change(doc.secrets);
      if (changed) await this.write(doc);
      return changed;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return {
          warning: WARNING,
          version: 1,
          secrets: Object.create(null) as Record<string, string>,
        };
      }
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never overwrite a file we cannot read: it may hold the only copy.
      throw new Error(`insecure secret store ${this.location} is not valid JSON; fix or remove it`);
    }
    const secrets = (parsed as Partial<SecretsFile> | null)?.secrets;
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
      throw new Error(
        `insecure secret store ${this.location} has no "secrets" object; fix or remove it`,
      );
    }
    const clean = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(secrets)) if (typeof v === 'string') clean[k] = v;
    return { warning: WARNING, version: 1, secrets: clean };
  }

  private async write(doc: SecretsFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.removeStaleTemps();
    const tmp = join(this.dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    const body =
      JSON.stringify({ warning: WARNING, version: 1, secrets: doc.secrets }, null, 2) + '\n';
    let committed = false;
    try {
      // O_EXCL: never follow or reuse an existing path. Mode 0600 from birth
      // (then chmod, in case the umask or the platform interfered).
      const fh = await open(
        tmp,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
        0o600,
      );
      try {
        await fh.chmod(0o600);
        await fh.writeFile(body, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.options.beforeCommit?.(tmp);
      await rename(tmp, this.location);
      committed = true;
      await this.syncDir();
    } finally {
      if (!committed) await rm(tmp, { force: true }).catch(() => undefined);
    }
    // rename keeps the temp file's mode; make sure in case the file system did not.
    await chmod(this.location, 0o600).catch(() => undefined);
  }

  // Make the rename itself durable (POSIX; not possible on Windows).
  private async syncDir(): Promise<void> {
    if (process.platform === 'win32') return;
    const dh = await open(this.dir, fsConstants.O_RDONLY).catch(() => null);
    if (!dh) return;
    try {
      await dh.sync();
    } catch {
      // some file systems refuse fsync on directories; the data is still safe
    } finally {
      await dh.close();
    }
  }

  // A crash between writing the temp file and renaming it leaves the temp
  // file behind (itself 0600, but a second copy of the secrets). Remove those
  // of processes that are gone.
  private async removeStaleTemps(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(TMP_PREFIX)) continue;
      const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
      if (pid === process.pid || isAlive(pid)) continue;
      await rm(join(this.dir, name), { force: true }).catch(() => undefined);
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
