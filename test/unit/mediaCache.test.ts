// What a media URI gave (per account and size) and link previews are
// remembered in the store, go with their account, and link previews can be
// switched off per account; the API's chats.members lists a chat's people.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cachedLinkPreview,
  cachedMedia,
  mediaVariant,
  rememberLinkPreview,
  rememberMedia,
} from '../../main/daemon/store/mediaCache.js';
import {
  readAccountSettings,
  updateAccountSettings,
} from '../../main/daemon/store/accountSettings.js';
import { addAccount, tempStore } from '../helpers/fixtures.js';

test('a media URI remembers its blob per account and size; removing the account forgets it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const a = addAccount(store, 'a');
    const b = addAccount(store, 'b');
    const sha = await store.blobs.put(Buffer.from('avatar bytes'), 'image/png');
    const thumb = mediaVariant({ width: 64, height: 64 });
    assert.equal(thumb, '64x64');
    assert.equal(cachedMedia(store.readDb, a.id, 'mxc://hs/abc', thumb), null);
    rememberMedia(store.db, a.id, 'mxc://hs/abc', thumb, sha);
    assert.equal(cachedMedia(store.readDb, a.id, 'mxc://hs/abc', thumb), sha);
    assert.equal(
      cachedMedia(store.readDb, a.id, 'mxc://hs/abc', mediaVariant()),
      null,
      'whole ≠ thumbnail',
    );
    assert.equal(cachedMedia(store.readDb, b.id, 'mxc://hs/abc', thumb), null, 'per account');
    rememberLinkPreview(
      store.db,
      a.id,
      'https://example.org/',
      JSON.stringify({ title: 'Example' }),
    );
    rememberLinkPreview(store.db, a.id, 'https://none.example/', null);
    assert.equal(
      cachedLinkPreview(store.readDb, a.id, 'https://example.org/')?.json,
      '{"title":"Example"}',
    );
    assert.equal(
      cachedLinkPreview(store.readDb, a.id, 'https://none.example/')?.json,
      null,
      '"no preview" is remembered',
    );
    store.db.prepare('DELETE FROM accounts WHERE id = ?').run(a.id);
    assert.equal(cachedMedia(store.readDb, a.id, 'mxc://hs/abc', thumb), null);
    assert.equal(cachedLinkPreview(store.readDb, a.id, 'https://example.org/'), null);
  } finally {
    cleanup();
  }
});

test('link previews are on by default and switch off per account, keeping the history depth', () => {
  const { store, cleanup } = tempStore();
  try {
    const a = addAccount(store, 'a');
    const b = addAccount(store, 'b');
    assert.equal(readAccountSettings(store.readDb, a.id).linkPreviews, true);
    updateAccountSettings(store.db, a.id, { historyDays: 30 });
    updateAccountSettings(store.db, a.id, { linkPreviews: false });
    assert.deepEqual(readAccountSettings(store.readDb, a.id), {
      historyDays: 30,
      linkPreviews: false,
    });
    assert.equal(readAccountSettings(store.readDb, b.id).linkPreviews, true, 'only that account');
  } finally {
    cleanup();
  }
});
