// End-to-end encryption as the user sees it: the count of messages waiting
// for their key (store + API), and the trust badge a message row shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitingForKeyCount } from '../../main/daemon/store/waitingForKeys.js';
import { trustBadge } from '../../renderer/src/lib/messageTrust.js';
import { strings } from '../../renderer/src/lib/strings.js';
import { tempStore } from '../helpers/fixtures.js';

test('messages waiting for their key are counted per chat and in all, and stop counting once decrypted or deleted', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'me',
      label: 'Me',
      workspace: 'Work',
    });
    const msg = (chat: string, id: string, kind: 'text' | 'encrypted', ts: number) => ({
      remoteId: id,
      chatRemoteId: chat,
      senderRemoteId: '@ann',
      senderName: 'Ann',
      ts,
      kind,
      body: kind === 'text' ? `text of ${id}` : '',
    });
    store.writer.apply(account.id, {
      chats: [
        { remoteId: '!a', kind: 'group', name: 'A', encrypted: true },
        { remoteId: '!b', kind: 'group', name: 'B', encrypted: true },
      ],
      messages: [
        msg('!a', '$1', 'encrypted', 1000),
        msg('!a', '$2', 'encrypted', 2000),
        msg('!a', '$3', 'text', 3000),
        msg('!b', '$4', 'encrypted', 4000),
      ],
    });
    const chatId = (remote: string) => store.read.chats({}).find((c) => c.remoteId === remote)!.id;
    assert.equal(waitingForKeyCount(store.readDb, chatId('!a')), 2);
    assert.equal(waitingForKeyCount(store.readDb, chatId('!b')), 1);
    assert.equal(waitingForKeyCount(store.readDb), 3);
    // The key came for $1 (the clear message replaces the placeholder); $4 was deleted.
    store.writer.apply(account.id, {
      messages: [{ ...msg('!a', '$1', 'text', 1000), body: 'decrypted at last' }],
      deletions: [{ messageRemoteId: '$4' }],
    });
    assert.equal(waitingForKeyCount(store.readDb, chatId('!a')), 1);
    assert.equal(waitingForKeyCount(store.readDb, chatId('!b')), 0);
    assert.equal(waitingForKeyCount(store.readDb), 1);
  } finally {
    cleanup();
  }
});

test('a trust badge only where the user should look twice, saying which device', () => {
  assert.equal(trustBadge(null, 'Ann'), null, 'not encrypted');
  assert.equal(trustBadge({ senderDevice: 'D1', trust: 'verified' }, 'Ann'), null);
  const unsigned = trustBadge({ senderDevice: 'D1', trust: 'unsigned_device' }, 'Ann')!;
  assert.equal(unsigned.label, 'Unverified device');
  assert.match(unsigned.detail, /device D1.*Ann has not verified/);
  assert.equal(unsigned.tone, 'caution');
  assert.equal(trustBadge({ senderDevice: null, trust: 'unknown_device' }, 'Ann')!.tone, 'warning');
  assert.equal(
    trustBadge({ senderDevice: 'D1', trust: 'identity_changed' }, 'Ann')!.label,
    'Identity changed',
  );
  assert.equal(trustBadge({ senderDevice: 'D1', trust: 'unverified' }, 'Ann'), null);
  assert.equal(strings.encryption.waitingCount(1), '1 message waiting for its key');
  assert.equal(strings.encryption.waitingCount(3), '3 messages waiting for their keys');
});
