// The pure parts of the desktop chrome: where the window reopens, what the
// badge counts, and what the menu offers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWindowState, restoredBounds } from '../../main/shell/windowBounds.js';
import { badgeCount, trayTooltip } from '../../main/shell/unreadBadge.js';
import { appMenuTemplate, DND_ACCELERATOR } from '../../main/shell/appMenu.js';
import type { ChatSummary } from '../../main/daemon/model/types.js';

const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];

test('the window reopens where it was while that place is on a screen', () => {
  const saved = parseWindowState('{"x":100,"y":80,"width":1000,"height":700,"maximized":true}');
  assert.deepEqual(saved, { x: 100, y: 80, width: 1000, height: 700, maximized: true });
  assert.deepEqual(restoredBounds(saved, screens, { width: 1200, height: 800 }), {
    x: 100,
    y: 80,
    width: 1000,
    height: 700,
  });
});

test('a window left on an unplugged monitor comes back centred, no larger than the screen', () => {
  const saved = parseWindowState('{"x":2500,"y":100,"width":2400,"height":700}');
  assert.deepEqual(restoredBounds(saved, screens, { width: 1200, height: 800 }), {
    width: 1920,
    height: 700,
  });
});

test('a missing, malformed or absurd state file falls back to the default size', () => {
  for (const json of [null, '', '{', '{"x":1}', '{"x":0,"y":0,"width":10,"height":10}', '[]'])
    assert.equal(parseWindowState(json), null, String(json));
  assert.deepEqual(restoredBounds(null, screens, { width: 1200, height: 800 }), {
    width: 1200,
    height: 800,
  });
});

const chat = (over: Partial<ChatSummary>): ChatSummary => ({
  id: 1,
  accountId: 1,
  workspaceId: 1,
  remoteId: '!r',
  kind: 'group',
  name: 'R',
  topic: null,
  spaceId: null,
  lastActivityTs: 0,
  lastMessagePreview: null,
  unreadCount: 0,
  mentionCount: 0,
  muted: false,
  pinned: false,
  archived: false,
  blocked: false,
  encrypted: false,
  ...over,
});

test('the badge counts unread messages, only mentions in muted chats, nothing archived', () => {
  assert.equal(
    badgeCount([
      chat({ unreadCount: 3 }),
      chat({ unreadCount: 10, mentionCount: 1, muted: true }),
      chat({ unreadCount: 7, archived: true }),
    ]),
    4,
  );
  assert.equal(badgeCount([]), 0);
  assert.equal(trayTooltip(0, false), 'Parley — no unread messages');
  assert.equal(trayTooltip(4, true), 'Parley — 4 unread · do not disturb');
});

test('the menu has Do Not Disturb with its shortcut, and no reload or dev tools in the app', () => {
  let toggled: boolean | null = null;
  const options = {
    platform: 'linux' as const,
    isDev: false,
    doNotDisturb: false,
    onToggleDoNotDisturb: (v: boolean) => (toggled = v),
    onShowWindow: () => undefined,
  };
  const flat = JSON.stringify(appMenuTemplate(options));
  assert.ok(!flat.includes('toggleDevTools') && !flat.includes('"reload"'));
  assert.ok(
    JSON.stringify(appMenuTemplate({ ...options, isDev: true })).includes('toggleDevTools'),
  );
  const file = appMenuTemplate(options)[0]!;
  const dnd = (
    file.submenu as {
      id?: string;
      accelerator?: string;
      click?: (i: { checked: boolean }) => void;
    }[]
  ).find((i) => i.id === 'dnd')!;
  assert.equal(dnd.accelerator, DND_ACCELERATOR);
  dnd.click!({ checked: true });
  assert.equal(toggled, true);
  const mac = appMenuTemplate({ ...options, platform: 'darwin' });
  assert.equal(mac[0]!.label, 'Parley', 'macOS gets the app menu first');
});
