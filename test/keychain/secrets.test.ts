// Against a REAL keychain: a throwaway gnome-keyring on a private D-Bus
// session. `npm test` runs this directory as
//   dbus-run-session -- bash scripts/start-keyring.sh node --import tsx --test test/keychain/*.test.ts
// Run by hand the same way; without that wrapper the tests are skipped rather
// than touching (or prompting for) a developer's own keyring.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requires } from '../helpers/prerequisites.js';
import { insecureSecretsPath } from '../../main/daemon/secrets/fileSecretStore.js';
import { KeychainSecretStore, loadKeytar } from '../../main/daemon/secrets/keychainSecretStore.js';
import { openSecretStore } from '../../main/daemon/secrets/openSecretStore.js';

const inWrapper = process.env.PARLEY_TEST_KEYRING === '1' && !!process.env.DBUS_SESSION_BUS_ADDRESS;
const skip = requires(
  'the throwaway gnome-keyring',
  inWrapper,
  'run via `npm test`, which wraps this file in scripts/start-keyring.sh',
);

// A service name of our own per run, so nothing here can collide with real entries.
const SERVICE = `Parley-test-${process.pid}-${randomBytes(4).toString('hex')}`;

describe('KeychainSecretStore on gnome-keyring', { skip }, () => {
  let store: KeychainSecretStore;
  let profileRoot: string;

  before(async () => {
    store = await KeychainSecretStore.open(SERVICE);
    profileRoot = mkdtempSync(join(tmpdir(), 'parley-keychain-'));
  });

  after(async () => {
    if (!store) return;
    for (const account of await store.accounts()) await store.delete(account);
    rmSync(profileRoot, { recursive: true, force: true });
  });

  it('round-trips set/get/delete', async () => {
    assert.equal(store.kind, 'keychain');
    assert.match(store.location, new RegExp(SERVICE));
    assert.equal(await store.get('alice@example.org'), null);
    await store.set('alice@example.org', 'correct horse battery staple');
    assert.equal(await store.get('alice@example.org'), 'correct horse battery staple');
    assert.equal(await store.delete('alice@example.org'), true);
    assert.equal(await store.get('alice@example.org'), null);
    assert.equal(await store.delete('alice@example.org'), false);
  });

  it('overwrites an existing secret', async () => {
    await store.set('bob', 'old');
    await store.set('bob', 'new');
    assert.equal(await store.get('bob'), 'new');
    assert.deepEqual(await store.accounts(), ['bob']);
    await store.delete('bob');
  });

  it('keeps unicode secrets intact', async () => {
    const secret = 'pässwörd 🔑 密码 שלום\nzweite Zeile\t"quoted"';
    await store.set('unicode', secret);
    assert.equal(await store.get('unicode'), secret);
    // a fresh store (new lookups, same service) sees the same bytes
    assert.equal(await (await KeychainSecretStore.open(SERVICE)).get('unicode'), secret);
    await store.delete('unicode');
  });

  it('keeps two accounts isolated', async () => {
    await store.set('one', 'secret-one');
    await store.set('two', 'secret-two');
    assert.equal(await store.get('one'), 'secret-one');
    assert.equal(await store.get('two'), 'secret-two');
    assert.equal(await store.delete('one'), true);
    assert.equal(await store.get('one'), null);
    assert.equal(await store.get('two'), 'secret-two');
    await store.delete('two');
  });

  it('keeps services isolated', async () => {
    const other = await KeychainSecretStore.open(`${SERVICE}-other`);
    await store.set('shared-name', 'mine');
    assert.equal(await other.get('shared-name'), null);
    await store.delete('shared-name');
  });

  it('openSecretStore picks the keychain and leaves neither probe entry nor file', async () => {
    const profile = join(profileRoot, 'profile');
    const opened = await openSecretStore({
      profileDir: profile,
      allowInsecure: false,
      service: SERVICE,
    });
    assert.equal(opened.kind, 'keychain');
    assert.ok(opened instanceof KeychainSecretStore);
    await opened.set('via-open', 'value');
    assert.equal(await store.get('via-open'), 'value');
    await opened.delete('via-open');

    const keytar = await loadKeytar();
    assert.deepEqual(await keytar.findCredentials(SERVICE), [], 'no probe entry left behind');
    assert.equal(existsSync(insecureSecretsPath(profile)), false, 'no insecure file created');

    // --insecure-store only permits the fallback: the keychain still wins
    const withFlag = await openSecretStore({
      profileDir: profile,
      allowInsecure: true,
      service: SERVICE,
    });
    assert.equal(withFlag.kind, 'keychain');
  });
});
