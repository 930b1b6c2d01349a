// The timeline as a window that may stop short of the newest message: opening
// it around a message, paging newer below it, and live updates while it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageView } from '../../main/daemon/model/types.js';
import {
  appendNewer,
  applyUpserts,
  boundWindow,
  prependOlder,
  windowAround,
} from '../../renderer/src/lib/timelineMerge.js';

function msg(id: number, extra: Partial<MessageView> = {}): MessageView {
  return {
    id,
    chatId: 1,
    accountId: 1,
    remoteId: `$${id}`,
    senderName: 'Ann',
    senderRemoteId: '@ann',
    ts: 1_700_000_000_000 + id * 60_000,
    kind: 'text',
    body: `message ${id}`,
    html: null,
    subject: null,
    replyToRemoteId: null,
    threadRootRemoteId: null,
    edited: false,
    deleted: false,
    reactions: [],
    attachments: [],
    outboxState: null,
    ...extra,
  };
}
/** Newest first, as the daemon returns pages. */
const page = (...ids: number[]) => ids.map((id) => msg(id));
const ids = (list: MessageView[]) => list.map((m) => m.id);

test('windowAround: oldest first, with more on a side only when that side came back full', () => {
  const full = windowAround(page(7, 6, 5, 4, 3), 5, 2, 2);
  assert.deepEqual(ids(full.messages), [3, 4, 5, 6, 7]);
  assert.equal(full.hasOlder, true);
  assert.equal(full.hasNewer, true);
  const atStart = windowAround(page(7, 6, 5), 5, 2, 2);
  assert.deepEqual([atStart.hasOlder, atStart.hasNewer], [false, true]);
  const atEnd = windowAround(page(5, 4, 3), 5, 2, 2);
  assert.deepEqual([atEnd.hasOlder, atEnd.hasNewer], [true, false]);
  const alone = windowAround(page(5), 5, 2, 2);
  assert.deepEqual([ids(alone.messages), alone.hasOlder, alone.hasNewer], [[5], false, false]);
});

test('appendNewer puts a newer page below, dropping what is already loaded', () => {
  const current = page(3, 4, 5);
  assert.deepEqual(ids(appendNewer(current, page(8, 7, 6, 5))), [3, 4, 5, 6, 7, 8]);
  assert.equal(appendNewer(current, page(5, 4)), current);
  assert.deepEqual(ids(appendNewer([], page(2, 1))), [1, 2]);
  // Older and newer paging compose without gaps or duplicates.
  assert.deepEqual(
    ids(prependOlder(appendNewer(current, page(6)), page(2, 1))),
    [1, 2, 3, 4, 5, 6],
  );
});

test('applyUpserts keeps messages newer than the window out while it has newer ones', () => {
  const current = page(3, 4, 5);
  const fetched = [msg(4, { body: 'edited' }), msg(9)];
  const held = applyUpserts(current, [4, 9], fetched, true, true);
  assert.deepEqual(ids(held), [3, 4, 5]);
  assert.equal(held[1]!.body, 'edited');
  // Inside the window a new message (e.g. backfill) still goes in by id.
  assert.deepEqual(ids(applyUpserts(current, [4], [msg(4)], true, true)), [3, 4, 5]);
  const between = applyUpserts([msg(3), msg(6)], [5], [msg(5)], true, true);
  assert.deepEqual(ids(between), [3, 5, 6]);
  // At the newest (the default), new messages are spliced in as before.
  assert.deepEqual(ids(applyUpserts(current, [9], [msg(9)], true)), [3, 4, 5, 9]);
  assert.deepEqual(ids(applyUpserts(current, [9], [msg(9)], true, false)), [3, 4, 5, 9]);
  // Gone messages drop out either way.
  assert.deepEqual(ids(applyUpserts(current, [4], [], true, true)), [3, 5]);
});

test('boundWindow: paging older drops the newest (loaded again later), paging newer the oldest', () => {
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
  const win = { messages: range(1, 10), hasOlder: true, hasNewer: false };
  assert.equal(boundWindow(win, 10, 'older'), win, 'within the bound nothing changes');
  const up = boundWindow(win, 6, 'older');
  assert.deepEqual(ids(up.messages), [1, 2, 3, 4, 5, 6]);
  assert.equal(up.hasNewer, true, 'the dropped newest count as not loaded');
  assert.equal(up.hasOlder, true);
  const down = boundWindow({ messages: range(1, 10), hasOlder: false, hasNewer: true }, 4, 'newer');
  assert.deepEqual(ids(down.messages), [7, 8, 9, 10]);
  assert.equal(down.hasOlder, true, 'the dropped oldest count as not loaded');
  assert.equal(down.hasNewer, true);
  // The way back: a page of newer ones after a trim, bounded again from the other side.
  const back = boundWindow(
    { messages: appendNewer(up.messages, page(9, 8, 7)), hasOlder: up.hasOlder, hasNewer: true },
    6,
    'newer',
  );
  assert.deepEqual(ids(back.messages), [4, 5, 6, 7, 8, 9]);
});
