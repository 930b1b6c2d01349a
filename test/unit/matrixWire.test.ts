// The Matrix wire schemas' in-place check of room event lists (wire.ts) agrees
// with the zod schema of one event, and hands on JSON.parse's own objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messagesResponseSchema,
  roomEventIssue,
  roomEventSchema,
  syncResponseSchema,
} from '../../main/daemon/connectors/matrix/wire.js';

const good = {
  type: 'm.room.message',
  event_id: '$e',
  sender: '@ann:x',
  origin_server_ts: 1,
  content: { body: 'hi' },
  extra: { kept: true },
};

// Each one field off from a good event, or a good variant.
const variants: unknown[] = [
  good,
  null,
  [],
  'event',
  { ...good, type: 1 },
  { ...good, event_id: null },
  { ...good, sender: undefined },
  { ...good, origin_server_ts: '1' },
  { ...good, content: [] },
  { ...good, content: null },
  { ...good, state_key: '' },
  { ...good, state_key: null },
  { ...good, redacts: 5 },
  { ...good, redacts: '$r' },
  { ...good, unsigned: {} },
  { ...good, unsigned: [] },
  { ...good, unsigned: { transaction_id: 7 } },
  { ...good, unsigned: { transaction_id: 't', redacted_because: 'anything' } },
  { ...good, unsigned: { 'm.relations': [] } },
  { ...good, unsigned: { 'm.relations': { 'm.replace': {} } } },
  { ...good, unsigned: { prev_content: 'x' } },
  { ...good, unsigned: { prev_content: { membership: 'join' } } },
];

test('roomEventIssue accepts and refuses what roomEventSchema does', () => {
  for (const v of variants)
    assert.equal(
      roomEventIssue(v) === null,
      roomEventSchema.safeParse(v).success,
      JSON.stringify(v) ?? String(v),
    );
});

test('event lists keep the parsed objects; a bad event fails the response with its path', () => {
  const body = JSON.parse(
    JSON.stringify({
      next_batch: 's1',
      rooms: { join: { '!r:x': { timeline: { events: [good] }, state: { events: [good] } } } },
    }),
  ) as { rooms: { join: Record<string, { timeline: { events: unknown[] } }> } };
  const parsed = syncResponseSchema.parse(body);
  assert.equal(
    parsed.rooms?.join?.['!r:x']?.timeline?.events?.[0],
    body.rooms.join['!r:x']!.timeline.events[0],
  );
  const bad = messagesResponseSchema.safeParse({
    start: 'a',
    chunk: [good, { ...good, sender: 1 }],
  });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0]?.path, ['chunk', 1]);
  assert.match(bad.error?.issues[0]?.message ?? '', /sender: expected string/);
});
