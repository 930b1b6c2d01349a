// Shared test fixtures: temp profiles and small, readable sync batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import type { RemoteMessage, SyncBatch } from '../../main/daemon/model/types.js';
import type { SecretBroker } from '../../main/daemon/secrets/secretBroker.js';

export function tempDir(prefix = 'parley-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempStore(): { store: Store; dir: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const store = Store.open(dir);
  return {
    store,
    dir,
    cleanup: () => {
      if (store.db.open) store.close();
      cleanup();
    },
  };
}

export function addAccount(
  store: Store,
  username = 'me',
  protocol: 'matrix' | 'jmap-chat' = 'matrix',
) {
  const account = store.accounts.add({ protocol, server: 'https://example.test', username });
  store.writer.apply(account.id, {
    people: [{ remoteId: `@${username}`, displayName: username, isSelf: true }],
  });
  return account;
}

export function message(
  chatRemoteId: string,
  remoteId: string,
  ts: number,
  body: string,
  extra: Partial<RemoteMessage> = {},
): RemoteMessage {
  return {
    remoteId,
    chatRemoteId,
    senderRemoteId: '@ann',
    senderName: 'Ann',
    ts,
    kind: 'text',
    body,
    ...extra,
  };
}

export function chatBatch(
  chatRemoteId: string,
  name: string,
  messages: RemoteMessage[] = [],
): SyncBatch {
  return {
    chats: [{ remoteId: chatRemoteId, kind: 'group', name }],
    people: [{ remoteId: '@ann', displayName: 'Ann' }],
    messages,
  };
}

/** Secrets in memory: tests never touch the keychain (test/keychain/ does). */
export function memorySecrets(): SecretBroker & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
}

/** Polls until `check` returns something truthy; fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}
