// The pure parts of the rich timeline and composer: the @-mention query and
// matching, where the "new messages" divider goes, the box a picture takes
// before it loads, search hits grouped by chat, the typing line and quotes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberView } from '../../main/daemon/api/contract.js';
import type { MessageView, SearchHit } from '../../main/daemon/model/types.js';
import { insertMention, matchMembers, mentionQueryAt } from '../../renderer/src/lib/mentions.js';
import { buildRows, firstUnread, threadList } from '../../renderer/src/lib/timelineRows.js';
import { mediaBox, UNKNOWN_BOX } from '../../renderer/src/lib/mediaBox.js';
import { groupHits } from '../../renderer/src/lib/searchGroups.js';
import { typingLine } from '../../renderer/src/hooks/useChatPeople.js';
import { quoteText } from '../../renderer/src/lib/quote.js';

const member = (id: string, name: string, extra: Partial<MemberView> = {}): MemberView => ({
  personRemoteId: id,
  name,
  avatarUrl: null,
  membership: 'join',
  role: null,
  isSelf: false,
  ...extra,
});

const msg = (id: number, extra: Partial<MessageView> = {}): MessageView => ({
  id,
  chatId: 1,
  accountId: 1,
  remoteId: `$${id}`,
  senderName: 'Bob',
  senderRemoteId: '@bob:hs',
  ts: 1_700_000_000_000 + id * 1000,
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
});

describe('mentions in the composer', () => {
  test('an @ at a word start is a query; one inside a word (an address) is not', () => {
    assert.deepEqual(mentionQueryAt('hi @an', 6), { start: 3, query: 'an' });
    assert.deepEqual(mentionQueryAt('@', 1), { start: 0, query: '' });
    assert.equal(mentionQueryAt('mail ann@example.org', 20), null);
    assert.equal(mentionQueryAt('hi @ann lee', 11), null, 'a space ends it');
    assert.deepEqual(mentionQueryAt('(@bo', 4), { start: 1, query: 'bo' });
  });

  test('members match by name prefix first, then word, then id; not me, not those who left', () => {
    const members = [
      member('@zed:hs', 'Annabel Zed'),
      member('@ann:hs', 'Ann Lee'),
      member('@x:hs', 'Lee Ann'),
      member('@anonymous:hs', 'Mystery'),
      member('@me:hs', 'Ann Me', { isSelf: true }),
      member('@gone:hs', 'Ann Gone', { membership: 'leave' }),
      member('@el:hs', 'Élodie'),
    ];
    assert.deepEqual(
      matchMembers(members, 'ann').map((m) => m.personRemoteId),
      ['@ann:hs', '@zed:hs', '@x:hs'],
    );
    assert.deepEqual(
      matchMembers(members, 'anon').map((m) => m.personRemoteId),
      ['@anonymous:hs'],
    );
    assert.deepEqual(
      matchMembers(members, 'elo').map((m) => m.personRemoteId),
      ['@el:hs'],
      'accents fold',
    );
  });

  test('picking one puts the name and a space where the query was', () => {
    const text = 'thanks @bo for it';
    const at = mentionQueryAt(text, 10)!;
    assert.deepEqual(insertMention(text, at, 10, 'Bob Builder'), {
      text: 'thanks Bob Builder for it',
      caret: 18,
    });
  });
});

describe('the new messages divider', () => {
  const mine = (m: MessageView) => m.senderRemoteId === '@me:hs';
  test('sits above the unread-th message from the newest, counting others’ messages only', () => {
    const messages = [
      msg(1),
      msg(2),
      msg(3, { senderRemoteId: '@me:hs' }),
      msg(4),
      msg(5, { deleted: true }),
      msg(6),
    ];
    assert.equal(firstUnread(messages, 2, mine), 4);
    assert.equal(firstUnread(messages, 0, mine), null);
    assert.equal(firstUnread(messages, 99, mine), 1, 'beyond what is loaded: the oldest loaded');
    const rows = buildRows(messages, 4).map((r) => (r.kind === 'message' ? r.message.id : r.kind));
    assert.deepEqual(rows, ['day', 1, 2, 3, 'unread', 4, 5, 6]);
  });
});

describe('the thread list', () => {
  test('threads by latest reply, with reply counts and the replies new since the chat opened', () => {
    const mine = (m: MessageView) => m.senderRemoteId === '@me:hs';
    const messages = [
      msg(1),
      msg(2),
      msg(3, { threadRootRemoteId: '$1' }),
      msg(4, { threadRootRemoteId: '$2' }),
      msg(5, { threadRootRemoteId: '$1' }),
      msg(6, { threadRootRemoteId: '$1', senderRemoteId: '@me:hs' }),
      msg(7, { threadRootRemoteId: '$gone' }),
    ];
    const list = threadList(messages, 5, mine);
    assert.deepEqual(
      list.map((t) => [t.rootRemoteId, t.root?.id ?? null, t.replies, t.unread]),
      [
        ['$gone', null, 1, 1],
        ['$1', 1, 3, 1],
        ['$2', 2, 1, 0],
      ],
    );
  });
});

describe('picture boxes', () => {
  test('scaled to fit 360×280 keeping the ratio; never up; a default when unknown', () => {
    assert.deepEqual(mediaBox(1600, 800), { width: 360, height: 180 });
    assert.deepEqual(mediaBox(300, 1200), { width: 70, height: 280 });
    assert.deepEqual(mediaBox(100, 50), { width: 100, height: 50 });
    assert.deepEqual(mediaBox(null, 50), UNKNOWN_BOX);
    assert.deepEqual(mediaBox(4000, 10), { width: 360, height: 32 }, 'a sliver stays clickable');
  });
});

describe('search groups, typing line, quotes', () => {
  test('hits group by chat in the order chats first appear', () => {
    const hit = (messageId: number, chatId: number): SearchHit => ({
      messageId,
      chatId,
      chatName: `chat ${chatId}`,
      accountId: 1,
      senderName: 'Bob',
      ts: messageId,
      snippet: '',
    });
    const groups = groupHits([hit(9, 2), hit(8, 1), hit(7, 2)]);
    assert.deepEqual(
      groups.map((g) => [g.chatId, g.hits.map((h) => h.messageId)]),
      [
        [2, [9, 7]],
        [1, [8]],
      ],
    );
  });

  test('typing line', () => {
    assert.equal(typingLine([]), '');
    assert.equal(typingLine(['Ann']), 'Ann is typing…');
    assert.equal(typingLine(['Ann', 'Bob']), 'Ann and Bob are typing…');
    assert.equal(typingLine(['A', 'B', 'C', 'D', 'E']), 'A, B and 3 others are typing…');
  });

  test('a quote is the message as Markdown quote lines', () => {
    assert.equal(quoteText({ body: 'one\n\ntwo', senderName: 'Bob' }), '> one\n>\n> two\n\n');
  });
});
