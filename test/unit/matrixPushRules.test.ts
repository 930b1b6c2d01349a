// The Matrix push rule evaluator against the spec's default rules and the
// spec's examples for each condition kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conditionMatches,
  evaluatePush,
  parsePushRules,
  valueAt,
  type PushContext,
} from '../../main/daemon/connectors/matrix/pushRules.js';

const ME = '@ann:example.org';
const ROOM = '!room:example.org';
const highlight = { set_tweak: 'highlight' };
const sound = { set_tweak: 'sound', value: 'default' };

// The spec's predefined rules (Client-Server API, "Default Rules"), as a server sends them.
const DEFAULTS = {
  global: {
    override: [
      { rule_id: '.m.rule.master', default: true, enabled: false, conditions: [], actions: [] },
      {
        rule_id: '.m.rule.suppress_notices',
        default: true,
        enabled: true,
        conditions: [{ kind: 'event_match', key: 'content.msgtype', pattern: 'm.notice' }],
        actions: [],
      },
      {
        rule_id: '.m.rule.invite_for_me',
        default: true,
        enabled: true,
        conditions: [
          { key: 'type', kind: 'event_match', pattern: 'm.room.member' },
          { key: 'content.membership', kind: 'event_match', pattern: 'invite' },
          { key: 'state_key', kind: 'event_match', pattern: ME },
        ],
        actions: ['notify', sound],
      },
      {
        rule_id: '.m.rule.member_event',
        default: true,
        enabled: true,
        conditions: [{ key: 'type', kind: 'event_match', pattern: 'm.room.member' }],
        actions: [],
      },
      {
        rule_id: '.m.rule.is_user_mention',
        default: true,
        enabled: true,
        conditions: [
          { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: ME },
        ],
        actions: ['notify', sound, highlight],
      },
      {
        rule_id: '.m.rule.contains_display_name',
        default: true,
        enabled: true,
        conditions: [{ kind: 'contains_display_name' }],
        actions: ['notify', sound, highlight],
      },
      {
        rule_id: '.m.rule.is_room_mention',
        default: true,
        enabled: true,
        conditions: [
          { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
          { kind: 'sender_notification_permission', key: 'room' },
        ],
        actions: ['notify', highlight],
      },
      {
        rule_id: '.m.rule.roomnotif',
        default: true,
        enabled: true,
        conditions: [
          { kind: 'sender_notification_permission', key: 'room' },
          { kind: 'event_match', key: 'content.body', pattern: '@room' },
        ],
        actions: ['notify', highlight],
      },
      {
        rule_id: '.m.rule.reaction',
        default: true,
        enabled: true,
        conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.reaction' }],
        actions: [],
      },
      {
        rule_id: '.m.rule.suppress_edits',
        default: true,
        enabled: true,
        conditions: [
          { kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' },
        ],
        actions: [],
      },
    ],
    content: [
      {
        rule_id: '.m.rule.contains_user_name',
        default: true,
        enabled: true,
        pattern: 'ann',
        actions: ['notify', sound, highlight],
      },
    ],
    room: [],
    sender: [],
    underride: [
      {
        rule_id: '.m.rule.room_one_to_one',
        default: true,
        enabled: true,
        conditions: [
          { kind: 'room_member_count', is: '2' },
          { kind: 'event_match', key: 'type', pattern: 'm.room.message' },
        ],
        actions: ['notify', sound],
      },
      {
        rule_id: '.m.rule.message',
        default: true,
        enabled: true,
        conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }],
        actions: ['notify'],
      },
    ],
  },
};

const ctx = (over: Partial<PushContext> = {}): PushContext => ({
  selfId: ME,
  selfDisplayName: 'Annie',
  roomId: ROOM,
  memberCount: 5,
  powerOf: (u) => (u === '@mod:example.org' ? 50 : 0),
  notificationLevel: () => 50,
  ...over,
});

const message = (content: Record<string, unknown>, sender = '@bo:example.org') => ({
  type: 'm.room.message',
  sender,
  room_id: ROOM,
  event_id: '$e',
  content: { msgtype: 'm.text', ...content },
});

const rules = parsePushRules(DEFAULTS)!;
const decide = (event: Record<string, unknown>, c = ctx()) => evaluatePush(rules, event, c);

test('default rules: a plain message notifies without highlight; notices, joins and reactions do not notify', () => {
  assert.deepEqual(decide(message({ body: 'lunch?' })), { notify: true, highlight: false });
  assert.deepEqual(decide(message({ msgtype: 'm.notice', body: 'build passed' })), {
    notify: false,
    highlight: false,
  });
  const join = {
    type: 'm.room.member',
    sender: '@cy:example.org',
    state_key: '@cy:example.org',
    content: { membership: 'join' },
  };
  assert.equal(decide(join).notify, false);
  const reaction = {
    type: 'm.reaction',
    sender: '@bo:example.org',
    content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$x', key: '👍' } },
  };
  assert.equal(decide(reaction).notify, false);
  const edit = message({
    body: '* fixed',
    'm.relates_to': { rel_type: 'm.replace', event_id: '$x' },
  });
  assert.equal(decide(edit).notify, false, 'edits are suppressed');
  const invite = {
    type: 'm.room.member',
    sender: '@bo:example.org',
    state_key: ME,
    content: { membership: 'invite' },
  };
  assert.equal(decide(invite).notify, true, 'an invitation for me notifies');
});

test('mentions highlight: m.mentions user ids, the display name and the user name by whole words', () => {
  assert.deepEqual(decide(message({ body: 'hey', 'm.mentions': { user_ids: [ME] } })), {
    notify: true,
    highlight: true,
  });
  assert.equal(decide(message({ body: 'Annie: look' })).highlight, true, 'display name');
  assert.equal(decide(message({ body: 'ask ANN about it' })).highlight, true, 'user name');
  assert.equal(decide(message({ body: 'annual report' })).highlight, false, 'not inside a word');
  assert.equal(decide(message({ body: 'Annies' })).highlight, false);
  // With m.mentions present, the legacy body rules are skipped (spec 1.7).
  assert.equal(
    decide(message({ body: 'Annie said hi', 'm.mentions': { user_ids: [] } })).highlight,
    false,
  );
});

test('@room highlights only from a sender with the power to notify the room', () => {
  const atRoom = (sender: string) => message({ body: '@room deploy at 5' }, sender);
  assert.equal(decide(atRoom('@mod:example.org')).highlight, true);
  assert.equal(decide(atRoom('@bo:example.org')).highlight, false);
  const intentional = (sender: string) =>
    message({ body: 'deploy', 'm.mentions': { room: true } }, sender);
  assert.equal(decide(intentional('@mod:example.org')).highlight, true);
  assert.equal(decide(intentional('@bo:example.org')).highlight, false);
});

test('room and sender rules, keyword rules and a disabled master rule follow the order of kinds', () => {
  const custom = structuredClone(DEFAULTS);
  custom.global.room.push({
    rule_id: ROOM,
    default: false,
    enabled: true,
    actions: ['dont_notify'],
  } as never);
  custom.global.content.unshift({
    rule_id: 'pineapple',
    default: false,
    enabled: true,
    pattern: 'pine*',
    actions: ['notify', highlight],
  });
  const set = parsePushRules(custom)!;
  assert.deepEqual(evaluatePush(set, message({ body: 'hello' }), ctx()), {
    notify: false,
    highlight: false,
  });
  assert.deepEqual(evaluatePush(set, message({ body: 'I like pineapples' }), ctx()), {
    notify: true,
    highlight: true,
  });
  const master = structuredClone(DEFAULTS);
  master.global.override[0]!.enabled = true;
  assert.equal(evaluatePush(parsePushRules(master)!, message({ body: 'x' }), ctx()).notify, false);
  const muteBo = structuredClone(DEFAULTS);
  muteBo.global.sender.push({
    rule_id: '@bo:example.org',
    enabled: true,
    actions: [],
  } as never);
  assert.equal(evaluatePush(parsePushRules(muteBo)!, message({ body: 'x' }), ctx()).notify, false);
});

test('conditions: room_member_count comparisons, event_match globs, property paths with escaped dots', () => {
  const e = message({ body: 'x' });
  const count = (is: string, memberCount: number) =>
    conditionMatches({ kind: 'room_member_count', is }, e, ctx({ memberCount }));
  assert.equal(count('2', 2), true);
  assert.equal(count('==2', 3), false);
  assert.equal(count('<3', 2), true);
  assert.equal(count('>=3', 3), true);
  assert.equal(count('>3', 3), false);
  assert.equal(count('<=1', 2), false);
  assert.equal(count('lots', 2), false);
  const match = (key: string, pattern: string) =>
    conditionMatches({ kind: 'event_match', key, pattern }, e, ctx());
  assert.equal(match('type', 'm.room.*'), true);
  assert.equal(match('type', 'M.ROOM.MESSAGE'), true, 'case-insensitive');
  assert.equal(match('type', 'm.room'), false, 'the whole value must match');
  assert.equal(match('content.msgtype', 'm.te?t'), true);
  assert.equal(match('content.missing', '*'), false);
  // Whole values: plain ASCII on both sides is compared without a regex; any
  // other character goes through the regex's Unicode case folding.
  const whole = (type: string, pattern: string) =>
    conditionMatches({ kind: 'event_match', key: 'type', pattern }, { ...e, type }, ctx());
  assert.equal(whole('m.room.message', 'm.room.messag'), false);
  assert.equal(whole('m.room.messag', 'm.room.message'), false);
  assert.equal(whole('m.room.meſſage', 'm.room.message'), true, 'ſ folds to s');
  assert.equal(whole('m.\u212Aey', 'm.key'), true, 'the Kelvin sign folds to k');
  assert.equal(whole('m.room.message', 'm.room.mess[a]ge'), false, 'brackets are literal');
  assert.equal(whole('m.room.mess[a]ge', 'm.room.mess[a]ge'), true);
  // A /sync timeline event has no room_id: the context's room stands in.
  const { room_id: _room, ...bare } = e;
  const inRoom = { kind: 'event_match', key: 'room_id', pattern: ROOM };
  assert.equal(conditionMatches(inRoom, bare, ctx()), true);
  assert.equal(conditionMatches(inRoom, bare, ctx({ roomId: '!other:example.org' })), false);
  assert.equal(
    conditionMatches({ kind: 'event_property_is', key: 'room_id', value: ROOM }, bare, ctx()),
    true,
  );
  const dotted = { content: { 'm.relates_to': { rel_type: 'm.thread' } }, 'a\\b': 1 };
  assert.equal(valueAt(dotted, 'content.m\\.relates_to.rel_type'), 'm.thread');
  assert.equal(valueAt(dotted, 'a\\\\b'), 1);
  assert.equal(valueAt(dotted, 'content.m.relates_to'), undefined);
  assert.equal(
    conditionMatches({ kind: 'event_property_is', key: 'content.body', value: 'x' }, e, ctx()),
    true,
  );
  assert.equal(
    conditionMatches({ kind: 'something_new' }, e, ctx()),
    false,
    'an unknown condition never matches',
  );
});

test('body words match as the Unicode regex folds case, with or without the quick literal check', () => {
  const inBody = (body: string, pattern: string) =>
    conditionMatches(
      { kind: 'event_match', key: 'content.body', pattern },
      message({ body }),
      ctx(),
    );
  assert.equal(inBody('ping ANN please', 'ann'), true);
  assert.equal(inBody('ping annie please', 'ann'), false, 'whole words only');
  assert.equal(inBody('nothing here', 'ann'), false);
  // /iu folds ſ (long s) to s and the Kelvin sign to k: still found.
  assert.equal(inBody('hi ſam', 'sam'), true);
  assert.equal(inBody('hi \u212Aim', 'kim'), true);
  assert.equal(inBody('hi Zoë!', 'zoë'), true, 'a non-ASCII pattern');
  assert.equal(inBody('annual report', 'ann*'), true, 'a glob');
  // The same rule against many events: compiled once, answers unchanged.
  for (let i = 0; i < 3; i++) assert.equal(inBody(`call Ann ${i}`, 'ann'), true);
  const name = (body: string, selfDisplayName: string) =>
    conditionMatches(
      { kind: 'contains_display_name' },
      message({ body }),
      ctx({ selfDisplayName }),
    );
  assert.equal(name('thanks, ANNIE.', 'Annie'), true);
  assert.equal(name('thanks, Annie2', 'Annie'), false);
  assert.equal(name('thanks, Dr. Who', 'Dr. Who'), true);
});

test('a pattern of megabytes (a broken or hostile server) never matches and never throws', () => {
  // V8 cannot run a regular expression this long ("Stack overflow"); the full fuzz run found it.
  const huge = 'a'.repeat(4_000_000);
  const event = message({ body: `say ${huge}` });
  for (const key of ['content.body', 'sender'])
    assert.equal(
      conditionMatches({ kind: 'event_match', key, pattern: huge }, event, ctx()),
      false,
    );
  // A display name that long only matches nothing either.
  assert.equal(
    conditionMatches({ kind: 'contains_display_name' }, event, ctx({ selfDisplayName: huge })),
    false,
  );
  // Real keyword patterns still match.
  assert.equal(
    conditionMatches({ kind: 'event_match', key: 'content.body', pattern: 'sa?' }, event, ctx()),
    true,
  );
});
