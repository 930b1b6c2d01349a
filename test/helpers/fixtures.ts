// Shared test fixtures: temp profiles and small, readable sync batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import type { RemoteMessage, SyncBatch } from '../../main/daemon/model/types.js';

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
