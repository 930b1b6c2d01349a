import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  FileSecretStore,
  INSECURE_SECRETS_FILE,
  insecureSecretsPath,
} from '../../main/daemon/secrets/fileSecretStore.js';
import {
  KeychainUnavailableError,
  openSecretStore,
} from '../../main/daemon/secrets/openSecretStore.js';
import type { SecretStore } from '../../main/daemon/secrets/secretStore.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const POSIX = process.platform !== 'win32';

const tmpRoots: string[] = [];
function tempProfile(): string {
  const root = mkdtempSync(join(tmpdir(), 'parley-secrets-'));
  tmpRoots.push(root);
  return join(root, 'profile'); // not created yet: the store must create it
}
after(() => {
  for (const r of tmpRoots) rmSync(r, { recursive: true, force: true });
});

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** A keychain that works, in memory: stands in for a reachable keychain. */
function memoryKeychain(): SecretStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    kind: 'keychain',
    location: 'memory keychain',
    data,
    async get(a) {
      return data.get(a) ?? null;
    },
    async set(a, s) {
      data.set(a, s);
    },
    async delete(a) {
      return data.delete(a);
    },
  };
}

function runChild(
  code: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (c, signal) => resolvePromise({ code: c, signal, stdout, stderr }));
  });
}

const moduleUrl = (rel: string) => JSON.stringify(pathToFileURL(join(REPO, rel)).href);

describe('FileSecretStore (the --insecure-store fallback)', () => {
  it('round-trips, overwrites and deletes secrets', async () => {
    const store = new FileSecretStore(tempProfile());
    assert.equal(store.kind, 'file');
    assert.equal(await store.get('a'), null);
    await store.set('a', 'first');
    await store.set('b', 'pässwörd 🔑 密码\nline two');
    assert.equal(await store.get('a'), 'first');
    await store.set('a', 'second');
    assert.equal(await store.get('a'), 'second');
    assert.equal(await store.get('b'), 'pässwörd 🔑 密码\nline two');
    assert.equal(await store.delete('a'), true);
    assert.equal(await store.delete('a'), false);
    assert.equal(await store.get('a'), null);
    assert.equal(await store.get('b'), 'pässwörd 🔑 密码\nline two');
  });

  it('does not treat Object.prototype names as stored accounts', async () => {
    const store = new FileSecretStore(tempProfile());
    await store.set('x', 'y');
    assert.equal(await store.get('constructor'), null);
    assert.equal(await store.get('__proto__'), null);
    await store.set('__proto__', 'v');
    assert.equal(await new FileSecretStore(dirname(store.location)).get('__proto__'), 'v');
  });

  it('rejects empty accounts and secrets, like the keychain', async () => {
    const store = new FileSecretStore(tempProfile());
    await assert.rejects(store.set('a', ''), TypeError);
    await assert.rejects(store.set('', 's'), TypeError);
    await assert.rejects(store.get(''), TypeError);
  });

  it('writes secrets.json with mode 0600 in a 0700 profile dir, clearly marked insecure', async () => {
    const profile = tempProfile();
    const store = new FileSecretStore(profile);
    assert.equal(store.location, join(profile, INSECURE_SECRETS_FILE));
    assert.equal(store.location, insecureSecretsPath(profile));
    await store.set('acct', 'hunter2');
    const doc = JSON.parse(readFileSync(store.location, 'utf8'));
    assert.match(doc.warning, /INSECURE/);
    assert.match(doc.warning, /--insecure-store/);
    assert.deepEqual(doc.secrets, { acct: 'hunter2' });
    if (POSIX) {
      assert.equal(mode(store.location), 0o600);
      assert.equal(mode(profile), 0o700);
    }
  });

  it(
    'keeps 0600 even when the file had been made world-readable and under umask 0',
    { skip: !POSIX },
    async () => {
      const store = new FileSecretStore(tempProfile());
      await store.set('a', '1');
      const { chmodSync } = await import('node:fs');
      chmodSync(store.location, 0o644);
      const old = process.umask(0);
      try {
        await store.set('a', '2');
      } finally {
        process.umask(old);
      }
      assert.equal(mode(store.location), 0o600);
    },
  );

  it('serializes concurrent writes from one process', async () => {
    const store = new FileSecretStore(tempProfile());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`acct${i}`, `secret${i}`)));
    for (let i = 0; i < 20; i++) assert.equal(await store.get(`acct${i}`), `secret${i}`);
  });

  it('refuses to overwrite a file it cannot parse', async () => {
    const profile = tempProfile();
    const store = new FileSecretStore(profile);
    await store.set('a', '1');
    writeFileSync(store.location, '{"secrets": {"a": "1"'); // truncated by hand
    await assert.rejects(store.set('b', '2'), /not valid JSON/);
    assert.equal(readFileSync(store.location, 'utf8'), '{"secrets": {"a": "1"');
  });

  it('is atomic: a failure before the rename leaves the old file whole and no temp file', async () => {
    const profile = tempProfile();
    await new FileSecretStore(profile).set('a', 'old');
    const before = readFileSync(insecureSecretsPath(profile), 'utf8');
    let sawTmp = '';
    const failing = new FileSecretStore(profile, {
      beforeCommit: (tmp) => {
        sawTmp = tmp;
        // the complete new document is in the temp file, with mode 0600
        assert.equal(JSON.parse(readFileSync(tmp, 'utf8')).secrets.a, 'new');
        if (POSIX) assert.equal(mode(tmp), 0o600);
        throw new Error('simulated crash');
      },
    });
    await assert.rejects(failing.set('a', 'new'), /simulated crash/);
    assert.ok(sawTmp.startsWith(profile));
    assert.equal(readFileSync(insecureSecretsPath(profile), 'utf8'), before);
    assert.deepEqual(readdirSync(profile), [INSECURE_SECRETS_FILE]);
    assert.equal(await new FileSecretStore(profile).get('a'), 'old');
  });

  it(
    'is atomic across a real crash (SIGKILL mid-write); the next write sweeps the leftover',
    { skip: !POSIX },
    async () => {
      const profile = tempProfile();
      await new FileSecretStore(profile).set('a', 'old');
      const before = readFileSync(insecureSecretsPath(profile), 'utf8');
      const r = await runChild(
        `import { FileSecretStore } from ${moduleUrl('main/daemon/secrets/fileSecretStore.ts')};
       const s = new FileSecretStore(${JSON.stringify(profile)}, {
         beforeCommit: () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => {}); },
       });
       await s.set('a', 'new');`,
        process.env,
      );
      assert.equal(r.signal, 'SIGKILL', r.stderr);
      // the old document is intact; the dead writer's temp file is all that is left
      assert.equal(readFileSync(insecureSecretsPath(profile), 'utf8'), before);
      const leftovers = readdirSync(profile).filter((n) => n !== INSECURE_SECRETS_FILE);
      assert.equal(leftovers.length, 1);
      const store = new FileSecretStore(profile);
      assert.equal(await store.get('a'), 'old');
      await store.set('b', 'x');
      assert.deepEqual(readdirSync(profile), [INSECURE_SECRETS_FILE]);
    },
  );
});

describe('openSecretStore without a keychain', () => {
  const broken = async (): Promise<SecretStore> => {
    throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
  };

  it('refuses without allowInsecure, naming --insecure-store and the file', async () => {
    const profile = tempProfile();
    await assert.rejects(
      openSecretStore({ profileDir: profile, allowInsecure: false, openKeychain: broken }),
      (err: unknown) => {
        assert.ok(err instanceof KeychainUnavailableError);
        assert.equal(err.code, 'KEYCHAIN_UNAVAILABLE');
        assert.match(err.message, /--insecure-store/);
        assert.ok(err.message.includes(insecureSecretsPath(profile)), err.message);
        assert.match(err.message, /Cannot autolaunch D-Bus/);
        assert.equal(err.insecureStorePath, insecureSecretsPath(profile));
        return true;
      },
    );
    assert.equal(existsSync(insecureSecretsPath(profile)), false);
  });

  it('accepts with allowInsecure and returns the file store', async () => {
    const profile = tempProfile();
    const store = await openSecretStore({
      profileDir: profile,
      allowInsecure: true,
      openKeychain: broken,
    });
    assert.equal(store.kind, 'file');
    assert.equal(store.location, insecureSecretsPath(profile));
    await store.set('acct', 's3cret');
    assert.equal(await store.get('acct'), 's3cret');
  });

  it('keeps using an existing insecure file without the flag, even when a keychain works', async () => {
    const profile = tempProfile();
    await new FileSecretStore(profile).set('acct', 's3cret');
    const keychain = memoryKeychain();
    const store = await openSecretStore({
      profileDir: profile,
      allowInsecure: false,
      openKeychain: async () => keychain,
    });
    assert.equal(store.kind, 'file');
    assert.equal(await store.get('acct'), 's3cret');
    assert.equal(keychain.data.size, 0);
  });

  it('prefers a working keychain even with allowInsecure, and leaves no probe entry', async () => {
    const profile = tempProfile();
    const keychain = memoryKeychain();
    const store = await openSecretStore({
      profileDir: profile,
      allowInsecure: true,
      openKeychain: async () => keychain,
    });
    assert.equal(store, keychain);
    assert.equal(keychain.data.size, 0);
    assert.equal(existsSync(insecureSecretsPath(profile)), false);
  });

  it('treats a keychain that hangs as unavailable after the probe timeout', async () => {
    const hanging: SecretStore = {
      kind: 'keychain',
      location: 'hanging',
      get: () => new Promise(() => {}),
      set: () => new Promise((r) => setTimeout(r, 2_000)), // answers, but far too late
      delete: async () => true,
    };
    const t = Date.now();
    await assert.rejects(
      openSecretStore({
        profileDir: tempProfile(),
        allowInsecure: false,
        probeTimeoutMs: 100,
        openKeychain: async () => hanging,
      }),
      (err: unknown) =>
        err instanceof KeychainUnavailableError && /did not answer within/.test(err.message),
    );
    assert.ok(Date.now() - t < 1_500, 'gave up within the timeout');
  });

  it('treats a keychain that loses writes as unavailable', async () => {
    const forgetful: SecretStore = { ...memoryKeychain(), get: async () => null };
    await assert.rejects(
      openSecretStore({
        profileDir: tempProfile(),
        allowInsecure: false,
        openKeychain: async () => forgetful,
      }),
      KeychainUnavailableError,
    );
  });

  it(
    'with the real keytar and no D-Bus session: refuses without the flag, accepts with it',
    {
      skip: process.platform !== 'linux' && 'the Secret Service backend is Linux-only',
      timeout: 60_000,
    },
    async () => {
      // A child process with no session bus to find: no DBUS_SESSION_BUS_ADDRESS,
      // no X display to autolaunch one, and an empty XDG_RUNTIME_DIR (GLib
      // would otherwise fall back to $XDG_RUNTIME_DIR/bus, a desktop's bus).
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'parley-nobus-')),
      };
      tmpRoots.push(env.XDG_RUNTIME_DIR!);
      for (const k of [
        'DBUS_SESSION_BUS_ADDRESS',
        'DISPLAY',
        'WAYLAND_DISPLAY',
        'GNOME_KEYRING_CONTROL',
      ])
        delete env[k];
      const profile = tempProfile();
      const code = (allowInsecure: boolean) =>
        `import { openSecretStore } from ${moduleUrl('main/daemon/secrets/openSecretStore.ts')};
         try {
           const s = await openSecretStore({ profileDir: ${JSON.stringify(profile)}, allowInsecure: ${allowInsecure}, probeTimeoutMs: 10000 });
           console.log(JSON.stringify({ kind: s.kind, location: s.location }));
         } catch (e) {
           console.log(JSON.stringify({ error: e.name, message: e.message }));
         }
         process.exit(0);`;

      const refused = await runChild(code(false), env);
      assert.equal(refused.code, 0, refused.stderr);
      const r1 = JSON.parse(refused.stdout.trim().split('\n').pop()!);
      assert.equal(r1.error, 'KeychainUnavailableError', refused.stdout);
      assert.match(r1.message, /--insecure-store/);
      assert.ok(r1.message.includes(insecureSecretsPath(profile)));

      const accepted = await runChild(code(true), env);
      assert.equal(accepted.code, 0, accepted.stderr);
      const r2 = JSON.parse(accepted.stdout.trim().split('\n').pop()!);
      assert.deepEqual(r2, { kind: 'file', location: insecureSecretsPath(profile) });
    },
  );
});
