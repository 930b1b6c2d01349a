// The shortcut table (one declaration for the key handler and the cheat
// sheet) and the CLI's redrawn progress line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHORTCUTS, shortcutFor, type KeyPress } from '../../renderer/src/lib/shortcuts.js';
import { formatProgressLine } from '../../main/cli/format.js';
import type { SyncProgress } from '../../main/daemon/model/types.js';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

test('each key press means the shortcut the cheat sheet lists for it', () => {
  const id = (e: KeyPress, typing = false) => shortcutFor(e, typing)?.id ?? null;
  assert.equal(id(press('ArrowDown', { altKey: true })), 'nextChat');
  assert.equal(id(press('ArrowUp', { altKey: true })), 'previousChat');
  assert.equal(id(press('ArrowDown', { altKey: true, shiftKey: true })), 'nextUnread');
  assert.equal(id(press('k', { ctrlKey: true })), 'quickSwitcher');
  assert.equal(id(press('k', { metaKey: true })), 'quickSwitcher', 'Cmd on a Mac');
  assert.equal(id(press('F', { ctrlKey: true, shiftKey: true })), 'search');
  assert.equal(id(press('/')), 'search');
  assert.equal(id(press('/'), true), null, '"/" in a text field is a character');
  assert.equal(id(press('/', { ctrlKey: true })), 'cheatSheet', 'Ctrl+/ is not search');
  assert.equal(id(press('/', { ctrlKey: true }), true), 'cheatSheet');
  assert.equal(id(press('Escape', { shiftKey: true })), 'markRead');
  assert.equal(id(press('Escape')), null, 'Escape alone closes dialogs');
  assert.equal(id(press('E', { ctrlKey: true, shiftKey: true })), 'editLast');
  assert.equal(id(press('ArrowDown')), null);
  // Every shortcut has a label and keys to show, and no two share a combination.
  const combos = SHORTCUTS.flatMap((s) => s.keys.map((k) => k.join('+')));
  assert.equal(new Set(combos).size, combos.length);
  for (const s of SHORTCUTS) assert.ok(s.label && s.keys.length > 0, s.id);
});

test('the CLI progress line: a bar when the share is known, the counts, the time left', () => {
  const base: SyncProgress = {
    accountId: 1,
    phase: 'initial',
    messagesStored: 1203,
    chatsDone: 140,
    chatsTotal: 400,
    fraction: 0.35,
    etaMs: 12_400,
    chatsBackfilled: null,
    chatsRemaining: null,
  };
  assert.equal(
    formatProgressLine(base),
    '[#######.............]  35% initial sync: 140 of 400 chats, 1203 messages stored, ~12 s left',
  );
  assert.equal(
    formatProgressLine({ ...base, fraction: null, chatsDone: null, chatsTotal: null, etaMs: null }),
    'initial sync: 1203 messages stored',
    'no bar while nothing tells how much is left',
  );
});
