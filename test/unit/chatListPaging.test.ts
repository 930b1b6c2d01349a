// The chat list has no cap: chats.list pages with a cursor through any number
// of chats, in the list's order, and a bad cursor is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { allChats } from '../../main/daemon/api/allChats.js';
import type { ProcedureInput, ProcedureOutput } from '../../main/daemon/api/contract.js';
import { addAccount, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 3, 1);
const CHATS = 6_500; // more than the old 5,000 cap

test('chats.list pages through more than 5,000 chats, pinned first, none missed or repeated', async () => {
  const { dir, cleanup } = tempDir();
  const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets() });
  try {
    const account = addAccount(daemon.store);
    daemon.store.writer.apply(account.id, {
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      chats: Array.from({ length: CHATS }, (_, i) => ({
        remoteId: `!c${i}`,
        kind: 'group' as const,
        name: `Chat ${i}`,
      })),
      // Ties in activity (every tenth chat shares a time) must still page exactly.
      messages: Array.from({ length: CHATS }, (_, i) =>
        message(`!c${i}`, `$${i}`, T0 + Math.floor(i / 10) * 1000, `hello ${i}`),
      ),
    });
    const pinned = daemon.store.read.chats().slice(-3);
    for (const c of pinned) daemon.store.prefs.setFlags(c.id, { pinned: true });

    const call = async (input: ProcedureInput<'chats.list'>) => {
      const r = await daemon.call('chats.list', input);
      if (!r.ok) throw new Error(r.error.message);
      return r.value as ProcedureOutput<'chats.list'>;
    };
    const pages: number[] = [];
    const paged = await allChats(async (input) => {
      const page = await call({ ...input, limit: 1000 });
      pages.push(page.chats.length);
      return page;
    });
    assert.equal(paged.length, CHATS, 'every chat');
    assert.equal(new Set(paged.map((c) => c.id)).size, CHATS, 'none twice');
    assert.deepEqual(pages, [1000, 1000, 1000, 1000, 1000, 1000, 500]);
    assert.deepEqual(
      paged
        .slice(0, 3)
        .map((c) => c.id)
        .sort(),
      pinned.map((c) => c.id).sort(),
      'pinned first',
    );
    assert.deepEqual(
      paged.map((c) => c.id),
      daemon.store.read.chats().map((c) => c.id),
      'the same order as the whole list',
    );
    const last = await call({});
    assert.equal(last.chats.length, 1000, 'a default page');
    assert.ok(last.nextCursor, 'and it says there is more');

    const bad = await daemon.call('chats.list', { cursor: 'nonsense' });
    assert.equal(bad.ok ? null : bad.error.code, 'invalid_input');
  } finally {
    await daemon.close();
    cleanup();
  }
});
