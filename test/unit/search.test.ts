import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  asWriteDb,
  openDatabase,
  readerOf,
  type WriteDb,
} from '../../main/daemon/store/database.js';
import { BatchWriter } from '../../main/daemon/store/batchWriter.js';
import type { RemoteMessage, SearchHit, SyncBatch } from '../../main/daemon/model/types.js';
import {
  blendScore,
  explainSearch,
  searchChats,
  searchMessages,
  type SearchOptions,
} from '../../main/daemon/store/search/messageSearch.js';
import { makeSnippet } from '../../main/daemon/store/search/snippet.js';
import { ReadModel } from '../../main/daemon/store/readModel.js';
import { ChatListCache } from '../../main/daemon/store/chatListCache.js';
import { parseQuery } from '../../main/daemon/store/search/queryParser.js';

const T0 = Date.UTC(2024, 0, 10, 12); // 2024-01-10 12:00 UTC
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Fixture {
  db: WriteDb;
  writer: BatchWriter;
  apply(batch: SyncBatch, accountId?: number): void;
  /** Messages into a chat of account 1 (the chat is created on first use). */
  say(chat: string, ...messages: Partial<RemoteMessage>[]): void;
  search(query: string, options?: SearchOptions): SearchHit[];
  /** The remote ids of the hits, in order. */
  ids(query: string, options?: SearchOptions): string[];
  cleanup(): void;
}

let seq = 0;

function fixture(): Fixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-search-'));
  const db = asWriteDb(openDatabase(path.join(dir, 'parley.sqlite')));
  db.exec(`
    INSERT INTO workspaces (id, name) VALUES (1, 'Main');
    INSERT INTO accounts (id, workspace_id, protocol, server, username, label, created_at)
      VALUES (1, 1, 'matrix', 'https://work.example', '@me:work.example', 'Work', 0),
             (2, 1, 'jmap-mail', 'https://mail.example', 'me@home.example', 'Home mail', 0);
  `);
  const writer = new BatchWriter(db);
  const chats = new Set<string>();
  const apply = (batch: SyncBatch, accountId = 1): void => {
    writer.apply(accountId, batch);
  };
  const say = (chat: string, ...messages: Partial<RemoteMessage>[]): void => {
    const batch: SyncBatch = {
      messages: messages.map((m) => ({
        remoteId: `$${++seq}`,
        chatRemoteId: chat,
        senderRemoteId: '@ann:work.example',
        senderName: 'Ann Lee',
        ts: T0,
        kind: 'text',
        body: '',
        ...m,
      })),
    };
    if (!chats.has(chat)) {
      batch.chats = [{ remoteId: chat, kind: 'group', name: chat }];
      chats.add(chat);
    }
    apply(batch);
  };
  const search = (query: string, options?: SearchOptions): SearchHit[] =>
    searchMessages(db, query, options);
  const remoteOf = db.prepare(`SELECT remote_id FROM messages WHERE id = ?`).pluck();
  const ids = (query: string, options?: SearchOptions): string[] =>
    search(query, options).map((h) => remoteOf.get(h.messageId) as string);
  return {
    db,
    writer,
    apply,
    say,
    search,
    ids,
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withFixture(name: string, fn: (f: Fixture) => void): void {
  test(name, () => {
    const f = fixture();
    try {
      fn(f);
    } finally {
      f.cleanup();
    }
  });
}

withFixture('diacritics fold both ways, case-insensitively', (f) => {
  f.say('General', { remoteId: 'accent', body: 'Meet at the Café on Monday' });
  f.say('General', { remoteId: 'plain', ts: T0 + 1, body: 'the cafe downstairs is closed' });
  assert.deepEqual(f.ids('cafe'), ['plain', 'accent']);
  assert.deepEqual(f.ids('café'), ['plain', 'accent']);
  assert.deepEqual(f.ids('CAFÉ'), ['plain', 'accent']);
  assert.equal(f.search('cafe')[1]!.snippet, 'Meet at the [Café] on Monday');
  assert.equal(f.search('café')[0]!.snippet, 'the [cafe] downstairs is closed');
});

withFixture('bare terms are word prefixes, at word starts only', (f) => {
  f.say('General', { remoteId: 'hello', body: 'Hello there' });
  f.say('General', { remoteId: 'othello', ts: T0 + 1, body: 'Othello is a play' });
  assert.deepEqual(f.ids('hel'), ['hello']);
  assert.deepEqual(f.ids('he'), ['hello']);
  assert.deepEqual(f.ids('hel*'), ['hello'], 'a trailing * changes nothing');
  assert.deepEqual(f.ids('hello'), ['hello']);
  assert.deepEqual(f.ids('hellos'), []);
  assert.equal(f.search('hel')[0]!.snippet, '[Hel]lo there');
  // All terms must match (AND), in any order and place.
  f.say('General', { remoteId: 'both', ts: T0 + 2, body: 'a play for you, hello' });
  assert.deepEqual(f.ids('play hel'), ['both']);
});

withFixture('substring terms (*) match inside words, need 3 characters', (f) => {
  f.say('General', { remoteId: 'pg', body: 'We moved to PostgreSQL last week' });
  f.say('General', { remoteId: 'apart', ts: T0 + 1, body: 'gre at res and esq' }); // the trigrams, apart
  f.say('General', { remoteId: 'accents', ts: T0 + 2, body: 'Un résumé très complet' });
  assert.deepEqual(f.ids('*gres'), ['pg']);
  assert.deepEqual(f.ids('*GRESQ'), ['pg'], 'the trigram candidates are verified');
  assert.deepEqual(f.ids('gres'), [], 'without * it is a word prefix');
  assert.deepEqual(f.ids('*sume'), ['accents']);
  assert.deepEqual(f.ids('*"to post"'), ['pg'], 'a quoted substring may hold spaces');
  assert.equal(f.search('*gres')[0]!.snippet, 'We moved to Post[greS]QL last week');
  assert.equal(f.search('*sume')[0]!.snippet, 'Un ré[sumé] très complet');

  const parsed = parseQuery('*ab hello');
  assert.deepEqual(parsed.terms, [{ kind: 'word', text: 'hello', negated: false }]);
  assert.equal(parsed.warnings[0]!.code, 'substring_too_short');
  assert.deepEqual(f.ids('*ab'), [], 'a too-short substring alone finds nothing');
  assert.deepEqual(f.ids('*ab moved'), ['pg'], 'and is ignored next to other terms');
  // A word and a substring together.
  assert.deepEqual(f.ids('moved *gresq'), ['pg']);
  assert.deepEqual(f.ids('moved *gresx'), []);
});

withFixture('CJK words are found inside sentences', (f) => {
  f.say('General', { remoteId: 'zh', body: '我们明天在北京见面' });
  f.say('General', { remoteId: 'zh2', ts: T0 + 1, body: '北京大学的图书馆很大' });
  f.say('General', { remoteId: 'ja', ts: T0 + 2, body: '東京の天気は晴れです' });
  f.say('General', { remoteId: 'mixed', ts: T0 + 3, body: '新的iPhone手机很贵' });
  assert.deepEqual(f.ids('北京'), ['zh2', 'zh']);
  assert.deepEqual(f.ids('明天'), ['zh']);
  assert.deepEqual(f.ids('北京大学'), ['zh2']);
  assert.deepEqual(f.ids('图书馆'), ['zh2'], 'a 3-character word');
  assert.deepEqual(f.ids('天在北'), ['zh'], 'any run, even across word boundaries');
  assert.deepEqual(f.ids('京见'), ['zh']);
  assert.deepEqual(f.ids('北京见面'), ['zh']);
  assert.deepEqual(f.ids('上海'), []);
  assert.deepEqual(f.ids('天気'), ['ja']);
  assert.deepEqual(f.ids('手机'), ['mixed']);
  assert.deepEqual(f.ids('iphone'), ['mixed']);
  assert.deepEqual(f.ids('北京 明天'), ['zh']);
  assert.equal(f.search('北京')[1]!.snippet, '我们明天在[北京]见面');
  assert.equal(f.search('图书馆')[0]!.snippet, '北京大学的[图书馆]很大');
  assert.equal(f.search('手机')[0]!.snippet, '新的iPhone[手机]很贵');
  // Every occurrence, Hangul (folded to jamo and back), mixed with Latin and emoji.
  assert.equal(
    makeSnippet('동기화 오류 🙂 Sync: 동기화 다시', null, parseQuery('동기화').terms),
    '[동기화] 오류 🙂 Sync: [동기화] 다시',
  );
  assert.equal(
    makeSnippet('東京タワーと東京駅', null, parseQuery('東京').terms),
    '[東京]タワーと[東京]駅',
  );
});

test('snippets squash every kind of whitespace into one space, and only whitespace', () => {
  const terms = parseQuery('deploy').terms;
  assert.equal(
    makeSnippet('the\u00a0\u00a0deploy\u3000\u2028is\tdone\r\n\r\nnow', null, terms),
    'the [deploy] is done now',
  );
  // Not whitespace: zero-width space and joiner stay as they are.
  assert.equal(makeSnippet('a\u200bdeploy\u200d ok', null, terms), 'a\u200b[deploy]\u200d ok');
});

withFixture('a quoted phrase needs the words adjacent and in order', (f) => {
  f.say('General', { remoteId: 'adjacent', body: 'the quarterly report is late' });
  f.say('General', { remoteId: 'apart', ts: T0 + 1, body: 'the report for the quarterly meeting' });
  assert.deepEqual(f.ids('"quarterly report"'), ['adjacent']);
  assert.deepEqual(f.ids('quarterly report'), ['apart', 'adjacent']);
  assert.deepEqual(f.ids('"report quarterly"'), []);
  assert.deepEqual(f.ids('"quarter"'), [], 'a phrase is whole words');
  assert.equal(f.search('"quarterly report"')[0]!.snippet, 'the [quarterly report] is late');
});

withFixture('negated terms exclude messages', (f) => {
  f.say('General', { remoteId: 'a', body: 'lunch at noon' });
  f.say('General', { remoteId: 'b', ts: T0 + 1, body: 'lunch at the pizza place' });
  assert.deepEqual(f.ids('lunch -pizza'), ['a']);
  assert.deepEqual(f.ids('lunch -"pizza place"'), ['a']);
  assert.deepEqual(f.ids('lunch -*izz'), ['a']);
  assert.deepEqual(f.ids('-pizza'), ['a'], 'exclusions alone search everything else');
  assert.deepEqual(f.ids('*unc -noon'), ['b']);
});

withFixture('from: matches sender names by word prefix, or a known remote id', (f) => {
  f.apply({
    chats: [{ remoteId: '!room', kind: 'group', name: 'Room' }],
    people: [
      { remoteId: '@ann:work.example', displayName: 'Ann Lee' },
      { remoteId: '@bob:work.example', displayName: 'Bob Stone' },
      { remoteId: '@zoe:other.example', displayName: 'Zoë Ólafsdóttir' },
    ],
    messages: [
      {
        remoteId: 'ann',
        chatRemoteId: '!room',
        senderRemoteId: '@ann:work.example',
        ts: T0,
        kind: 'text',
        body: 'status update',
      },
      {
        remoteId: 'bob',
        chatRemoteId: '!room',
        senderRemoteId: '@bob:work.example',
        ts: T0 + 1,
        kind: 'text',
        body: 'status update',
      },
      {
        remoteId: 'zoe',
        chatRemoteId: '!room',
        senderRemoteId: '@zoe:other.example',
        ts: T0 + 2,
        kind: 'text',
        body: 'status update',
      },
      {
        remoteId: 'anon',
        chatRemoteId: '!room',
        senderRemoteId: '@x9:far.example',
        ts: T0 + 3,
        kind: 'text',
        body: 'status update',
      },
    ],
  });
  assert.deepEqual(f.ids('from:ann'), ['ann']);
  assert.deepEqual(f.ids('from:AN'), ['ann']);
  assert.deepEqual(f.ids('from:lee'), ['ann'], 'any word of the name');
  assert.deepEqual(f.ids('from:"Ann Lee"'), ['ann']);
  assert.deepEqual(f.ids('from:"Ann Stone"'), []);
  assert.deepEqual(f.ids('from:zoe'), ['zoe'], 'diacritics fold in names too');
  assert.deepEqual(f.ids('from:olafs'), ['zoe']);
  assert.deepEqual(f.ids('from:@bob:work.example'), ['bob'], 'a full remote id');
  assert.deepEqual(f.ids('from:@bob:wo'), ['bob'], 'a remote id prefix');
  assert.deepEqual(f.ids('from:@BOB:Work'), ['bob'], 'a remote id prefix, ASCII case ignored');
  assert.deepEqual(f.ids('from:@b_b'), [], '_ and % are themselves in an id, not wildcards');
  assert.deepEqual(f.ids('from:@%'), []);
  assert.deepEqual(f.ids('from:x9'), ['anon'], 'an unknown sender is indexed by remote id');
  assert.deepEqual(f.ids('status from:bob'), ['bob']);
  assert.deepEqual(f.ids('from:nobody'), []);
  assert.deepEqual(f.ids('from:"???"'), []);
  // from: searches the sender, not the text; text terms search the text, not the sender.
  assert.deepEqual(f.ids('ann'), []);
  assert.equal(f.search('from:bob')[0]!.snippet, 'status update');
});

withFixture(
  'in: matches chat names by folded substring; account: by label, username or id',
  (f) => {
    f.say('Équipe Produit', { remoteId: 'fr', body: 'release notes' });
    f.say('General', { remoteId: 'gen', ts: T0 + 1, body: 'release notes' });
    f.apply(
      {
        chats: [{ remoteId: 'inbox', kind: 'mail', name: 'Inbox' }],
        messages: [
          {
            remoteId: 'mail',
            chatRemoteId: 'inbox',
            senderRemoteId: 'x@y.example',
            ts: T0 + 2,
            kind: 'mail',
            subject: 'Release notes',
            body: 'see attached',
          },
        ],
      },
      2,
    );
    assert.deepEqual(f.ids('release in:equipe'), ['fr']);
    assert.deepEqual(f.ids('release in:PRODU'), ['fr']);
    assert.deepEqual(f.ids('in:"équipe produit"'), ['fr']);
    assert.deepEqual(f.ids('release in:gen'), ['gen']);
    assert.deepEqual(f.ids('release in:nowhere'), []);
    assert.deepEqual(f.ids('release in:e in:gen'), ['gen'], 'operators AND');
    assert.deepEqual(f.ids('release account:home'), ['mail']);
    assert.deepEqual(f.ids('release account:2'), ['mail']);
    assert.deepEqual(f.ids('release account:work'), ['gen', 'fr']);
    assert.deepEqual(f.ids('release account:@me:work'), ['gen', 'fr'], 'by username');
    assert.deepEqual(f.ids('release account:nope'), []);
    assert.deepEqual(f.ids('release'), ['mail', 'gen', 'fr']);
    // The subject is searched too, and the snippet comes from it when only it matched.
    assert.equal(f.search('release account:home')[0]!.snippet, '[Release] notes');
    assert.equal(f.search('attached')[0]!.snippet, 'see [attached]');
    const hit = f.search('release in:gen')[0]!;
    assert.equal(hit.chatName, 'General');
    assert.equal(hit.accountId, 1);
    assert.equal(hit.senderName, 'Ann Lee');
    assert.equal(hit.ts, T0 + 1);
  },
);

withFixture(
  'in: matched against the in-memory chat list finds what SQL finds, renames included',
  (f) => {
    const read = new ReadModel(readerOf(f.db), new ChatListCache(f.db));
    const fromMemory: SearchOptions = { chatNames: () => read.chatsForSearch() };
    f.say('Équipe Produit', { remoteId: 'fr', body: 'release notes' });
    f.say('General', { remoteId: 'gen', ts: T0 + 1, body: 'release notes' });
    f.say('Ops', { remoteId: 'ops', ts: T0 + 2, body: 'release train' });
    for (const q of ['release in:equipe', 'in:"équipe produit"', 'release in:e', 'in:ops', 'in:zz'])
      assert.deepEqual(f.ids(q, fromMemory), f.ids(q), q);
    assert.deepEqual(f.ids('release in:e', fromMemory), ['gen', 'fr']);
    // Names are matched one by one, never across the end of one into the next.
    for (const q of ['in:opsgeneral', 'in:generalops', 'in:produitops', 'in:produitgeneral'])
      assert.deepEqual(f.ids(q, fromMemory), [], q);
    // A rename reaches the next search: the old name no longer matches, the new one does.
    f.apply({ chats: [{ remoteId: 'Ops', kind: 'group', name: 'Zürich Operations' }] });
    assert.deepEqual(f.ids('release in:zurich', fromMemory), ['ops']);
    assert.deepEqual(f.ids('release in:ops', fromMemory), [], '"Ops" is gone as a name of its own');
    assert.deepEqual(f.ids('release in:operations', fromMemory), f.ids('release in:operations'));
  },
);

withFixture('before: and after: are UTC days; after is inclusive, before exclusive', (f) => {
  f.say('General', { remoteId: 'd9', ts: Date.UTC(2024, 0, 9, 23, 59, 59, 999), body: 'standup' });
  f.say('General', { remoteId: 'd10a', ts: Date.UTC(2024, 0, 10, 0, 0, 0, 0), body: 'standup' });
  f.say('General', { remoteId: 'd10b', ts: Date.UTC(2024, 0, 10, 18), body: 'standup' });
  f.say('General', { remoteId: 'd11', ts: Date.UTC(2024, 0, 11, 0, 0, 0, 1), body: 'standup' });
  assert.deepEqual(f.ids('standup after:2024-01-10'), ['d11', 'd10b', 'd10a']);
  assert.deepEqual(f.ids('standup before:2024-01-10'), ['d9']);
  assert.deepEqual(f.ids('standup after:2024-01-10 before:2024-01-11'), ['d10b', 'd10a']);
  assert.deepEqual(
    f.ids('after:2024-01-10 before:2024-01-11'),
    ['d10b', 'd10a'],
    'operators alone',
  );
  assert.deepEqual(f.ids('standup after:2024-01-11 before:2024-01-10'), []);
  const bad = parseQuery('standup before:2024-02-30 after:yesterday');
  assert.deepEqual(bad.filters, []);
  assert.deepEqual(
    bad.warnings.map((w) => w.code),
    ['invalid_date', 'invalid_date'],
  );
  assert.deepEqual(f.ids('standup before:2024-02-30'), ['d11', 'd10b', 'd10a', 'd9']);
});

withFixture('has:attachment and is:unread', (f) => {
  f.apply({
    chats: [
      { remoteId: 'a', kind: 'group', name: 'A' },
      { remoteId: 'b', kind: 'group', name: 'B' },
    ],
    people: [{ remoteId: '@me:work.example', displayName: 'Me', isSelf: true }],
    messages: [
      {
        remoteId: 'a1',
        chatRemoteId: 'a',
        senderRemoteId: '@ann',
        ts: T0,
        kind: 'text',
        body: 'plan one',
      },
      {
        remoteId: 'a2',
        chatRemoteId: 'a',
        senderRemoteId: '@ann',
        ts: T0 + 1000,
        kind: 'file',
        body: 'plan two',
        attachments: [{ remoteId: 'f', name: 'plan.pdf', mime: 'application/pdf', size: 3 }],
      },
      {
        remoteId: 'a3',
        chatRemoteId: 'a',
        senderRemoteId: '@ann',
        ts: T0 + 2000,
        kind: 'text',
        body: 'plan three',
      },
      {
        remoteId: 'a4',
        chatRemoteId: 'a',
        senderRemoteId: '@me:work.example',
        ts: T0 + 3000,
        kind: 'text',
        body: 'plan four (mine)',
      },
      {
        remoteId: 'b1',
        chatRemoteId: 'b',
        senderRemoteId: '@bob',
        ts: T0 + 500,
        kind: 'text',
        body: 'plan five',
      },
    ],
  });
  assert.deepEqual(f.ids('has:attachment'), ['a2']);
  assert.deepEqual(f.ids('plan has:attachments'), ['a2']);
  // Nothing read yet: every message not from me is unread.
  assert.deepEqual(f.ids('is:unread'), ['a3', 'a2', 'b1', 'a1']);
  f.apply({ readPositions: [{ chatRemoteId: 'a', messageRemoteId: 'a2' }] });
  assert.deepEqual(f.ids('is:unread'), ['a3', 'b1']);
  assert.deepEqual(f.ids('plan is:unread'), ['a3', 'b1']);
  assert.deepEqual(f.ids('plan is:unread in:b'), ['b1']);
  f.apply({ readPositions: [{ chatRemoteId: 'b', messageRemoteId: 'b1' }] });
  assert.deepEqual(f.ids('plan is:unread'), ['a3']);
  assert.deepEqual(f.ids('plan is:unread has:attachment'), []);
  const p = parseQuery('is:read has:cats');
  assert.deepEqual(
    p.warnings.map((w) => w.code),
    ['unknown_value', 'unknown_value'],
  );
});

withFixture('unknown word: prefixes are plain text', (f) => {
  f.say('General', { remoteId: 'url', body: 'see http://example.com/docs for details' });
  f.say('General', { remoteId: 're', ts: T0 + 1, body: 'Re: budget' });
  assert.deepEqual(f.ids('http://example.com'), ['url']);
  assert.deepEqual(f.ids('re:budget'), ['re']);
  assert.deepEqual(f.ids('From:nobody'), [], 'operators are case-insensitive');
});

withFixture('newest first, also for history inserted later out of time order', (f) => {
  f.say('General', { remoteId: 'd3', ts: T0 + 3 * DAY, body: 'deploy three' });
  f.say('General', { remoteId: 'd1', ts: T0 + 1 * DAY, body: 'deploy one' });
  f.say('Other', { remoteId: 'd4', ts: T0 + 4 * DAY, body: 'deploy four' });
  f.say(
    'General',
    { remoteId: 'd0', ts: T0, body: 'deploy zero' },
    { remoteId: 'd2', ts: T0 + 2 * DAY, body: 'deploy two' },
  );
  // Same millisecond: both found, order stable by key.
  f.say('General', { remoteId: 'd2b', ts: T0 + 2 * DAY, body: 'deploy two again' });
  const all = f.search('deploy');
  assert.deepEqual(
    all.map((h) => h.ts),
    [4, 3, 2, 2, 1, 0].map((d) => T0 + d * DAY),
  );
  assert.deepEqual(
    f.ids('deploy').filter((id) => id !== 'd2' && id !== 'd2b'),
    ['d4', 'd3', 'd1', 'd0'],
  );

  // Paging with beforeId walks on from the last hit, without gaps or repeats.
  const page1 = f.search('deploy', { limit: 2 });
  const page2 = f.search('deploy', { limit: 2, beforeId: page1[1]!.messageId });
  const page3 = f.search('deploy', { limit: 2, beforeId: page2[1]!.messageId });
  const page4 = f.search('deploy', { limit: 2, beforeId: page3[1]!.messageId });
  assert.deepEqual(
    [...page1, ...page2, ...page3].map((h) => h.messageId),
    all.map((h) => h.messageId),
  );
  assert.deepEqual(page4, []);
  // Operator-only queries are newest first too, across several chats as well.
  assert.deepEqual(f.ids('in:er'), f.ids('deploy'));
  assert.deepEqual(f.ids('in:general', { limit: 2 }), ['d3', f.ids('deploy two')[0]!]);
});

withFixture('relevance ranks repeated terms above a newer single mention', (f) => {
  f.say('General', {
    remoteId: 'many',
    ts: T0,
    body: 'budget budget budget: the budget is the budget',
  });
  f.say('General', {
    remoteId: 'once',
    ts: T0 + HOUR,
    body: 'I will look at the budget later today maybe, or tomorrow',
  });
  f.say('General', { remoteId: 'none', ts: T0 + 2 * HOUR, body: 'nothing to see' });
  assert.deepEqual(f.ids('budget'), ['once', 'many']);
  assert.deepEqual(f.ids('budget', { order: 'relevance' }), ['many', 'once']);
  assert.deepEqual(f.ids('budget', { order: 'relevance', limit: 1 }), ['many']);
  // Queries without a word term fall back to newest first.
  assert.deepEqual(f.ids('*udge', { order: 'relevance' }), ['once', 'many']);
  // The blend: equal bm25, newer wins; recency at most halves a score.
  assert.ok(blendScore(-2, 0) > blendScore(-2, 10 * DAY));
  assert.ok(blendScore(-2, 10_000 * DAY) > blendScore(-0.99, 0));
  assert.equal(blendScore(-2, 0), 2);
});

withFixture('relevance of one word: short messages and subjects above long bodies', (f) => {
  const filler = 'we talked about many other things that afternoon and then some more';
  f.say('General', {
    remoteId: 'long',
    ts: T0 + HOUR,
    body: `the invoice came up once while ${filler} ${filler}`,
  });
  f.say('General', { remoteId: 'short', ts: T0, body: 'invoice sent' });
  // Newest first is time order; relevance puts the denser mention first.
  assert.deepEqual(f.ids('invoice'), ['long', 'short']);
  assert.deepEqual(f.ids('invoice', { order: 'relevance' }), ['short', 'long']);
  // The prefix counts as the index matches it ("invoic" finds "invoice").
  assert.deepEqual(f.ids('invoic', { order: 'relevance' }), ['short', 'long']);
});

withFixture('snippets: exact markers, every match, cut around the first one', (f) => {
  f.say('General', {
    remoteId: 'long',
    body:
      'Intro text that goes on for a while before anything interesting happens here, ' +
      'then the Deployment of the new deploy pipeline happened, and after the deploy we ' +
      'celebrated for a long time with cake and more words until the message gets far too long to show.',
  });
  const [hit] = f.search('deploy', { markers: ['<b>', '</b>'] });
  assert.equal(
    hit!.snippet,
    '…interesting happens here, then the <b>Deploy</b>ment of the new <b>deploy</b> pipeline ' +
      'happened, and after the <b>deploy</b> we celebrated for a long time with cake and more words…',
  );
  assert.ok(hit!.snippet.length <= 160 + 2 + 3 * '<b></b>'.length);
  // Several terms, a phrase and a substring, overlapping matches merged.
  assert.equal(
    makeSnippet('Ça va? Ça va très bien, merci.', null, parseQuery('"ca va" tres *erc').terms),
    '[Ça va]? [Ça va] [très] bien, m[erc]i.',
  );
  assert.equal(makeSnippet('catalog cat', null, parseQuery('cat *tal').terms), '[catal]og [cat]');
  // Decomposed (NFD) text keeps its accents inside the markers.
  assert.equal(makeSnippet('cafe\u0301 noir', null, parseQuery('cafe').terms), '[cafe\u0301] noir');
  // Whitespace is squashed, newlines included.
  assert.equal(makeSnippet('one\n\ntwo   three', null, parseQuery('two').terms), 'one [two] three');
  // Astral characters and surrogates survive.
  assert.equal(
    makeSnippet('🎉 party 🎉', null, parseQuery('party').terms, ['«', '»']),
    '🎉 «party» 🎉',
  );
  // A long text with the match at its end.
  const text = 'x'.repeat(300) + ' needle';
  const s = makeSnippet(text, null, parseQuery('needle').terms);
  assert.ok(s.startsWith('…') && s.endsWith('[needle]'), s);
  // No match (operator-only): the start of the body.
  assert.equal(makeSnippet('short body', 'subject', []), 'short body');
  assert.equal(makeSnippet('', 'Only a subject', []), 'Only a subject');
});

withFixture('hostile input never reaches FTS5 as syntax', (f) => {
  f.say('General', {
    remoteId: 'm',
    body: 'AND OR NOT near NEAR(a b) "quoted" a*b (paren) ^caret col:on',
  });
  const hostile = [
    '',
    '   ',
    '"',
    '"unbalanced',
    'unbalanced"',
    '""',
    'AND',
    'OR',
    'NOT',
    'AND OR NOT',
    '( )',
    '(',
    ')',
    '*',
    '**',
    '*"',
    '*""',
    '^',
    ':',
    '::',
    '-',
    '--',
    '-"',
    'NEAR',
    'NEAR(a b)',
    'NEAR/2',
    'a NEAR/2 b',
    'body:foo',
    '{body}: x',
    'col:on',
    '"a" OR "b"',
    '^caret',
    "'",
    "it's",
    '\\',
    '\u0000',
    'from:',
    'from:"',
    'in:',
    'in:"',
    'before:',
    'after:-1',
    'has:',
    'is:',
    '-from:ann',
    'from:*',
    'from:"(" in:")"',
    '*NEAR(',
    '*" OR "',
    '%_%',
    'a'.repeat(1000),
    '北',
    '😀',
    '*😀😀😀',
    '!!! ??? ...',
  ];
  for (const q of hostile) {
    for (const order of ['newest', 'relevance'] as const) {
      assert.doesNotThrow(() => f.search(q, { order }), `query ${JSON.stringify(q)}`);
    }
  }
  assert.deepEqual(f.ids(''), []);
  assert.deepEqual(f.ids('AND'), ['m'], 'keywords are words');
  assert.deepEqual(f.ids('NEAR(a b)'), ['m']);
  assert.deepEqual(f.ids('"quoted"'), ['m']);
  assert.deepEqual(f.ids('(paren)'), ['m']);
  assert.deepEqual(f.ids('^caret'), ['m']);
  assert.deepEqual(f.ids('col:on'), ['m']);
  assert.deepEqual(f.ids('*"OR NOT"'), ['m']);
  assert.deepEqual(f.ids('"unbalanced'), []);
});

withFixture('edits and deletions are reflected', (f) => {
  f.say('General', { remoteId: 'e', body: 'the orignal text' });
  f.say('General', { remoteId: 'gone', ts: T0 + 1, body: 'secret plans' });
  assert.deepEqual(f.ids('orignal'), ['e']);
  f.apply({ edits: [{ messageRemoteId: 'e', body: 'the corrected text', editedTs: T0 + 5 }] });
  assert.deepEqual(f.ids('orignal'), []);
  assert.deepEqual(f.ids('*ignal'), []);
  assert.deepEqual(f.ids('corrected'), ['e']);
  assert.deepEqual(f.ids('*rrect'), ['e']);
  assert.equal(f.search('corrected')[0]!.snippet, 'the [corrected] text');
  f.apply({ deletions: [{ messageRemoteId: 'gone' }] });
  assert.deepEqual(f.ids('secret'), []);
  assert.deepEqual(f.ids('*ecre'), []);
  assert.deepEqual(f.ids('in:general'), ['e'], 'deleted messages never appear');
  // A message deleted before it ever arrived.
  f.say('General', { remoteId: 'pre', ts: T0 + 2, body: 'tombstone', deleted: true });
  assert.deepEqual(f.ids('tombstone'), []);
  assert.deepEqual(f.ids('in:general'), ['e']);
});

withFixture('query plans: the driving index walks newest-first, no sort', (f) => {
  f.say('General', { body: 'warm up' });
  f.say('General', { body: 'PostgreSQL, hello' });
  f.apply({ readPositions: [] });
  f.ids('*gres'); // a substring search fills the vocabulary from the backlog first
  const queries: [string, SearchOptions['order'], string][] = [
    ['hello', 'newest', 'f'],
    ['hello world "a b"', 'newest', 'f'],
    ['hello after:2024-01-01 before:2024-02-01', 'newest', 'f'],
    ['hello from:ann', 'newest', 'f'],
    ['from:ann', 'newest', 'f'],
    ['hello in:general', 'newest', 'f'],
    ['hello is:unread has:attachment account:work', 'newest', 'f'],
    ['hello *gres', 'newest', 'f'],
    ['hello -bye', 'newest', 'f'],
    ['北京', 'newest', 'f'],
    ['*gres', 'newest', 'f'],
    ['*gres in:general -bye', 'newest', 'f'],
    ['*"..."', 'newest', 'm'],
    ['hello', 'relevance', 'f'],
    ['is:unread', 'newest', 'm'],
    ['has:attachment after:2024-01-01', 'newest', 'f'],
  ];
  for (const [q, order, driver] of queries) {
    const e = explainSearch(f.db, q, { order });
    assert.ok(e, q);
    const plan = (
      f.db.prepare(`EXPLAIN QUERY PLAN ${e.sql}`).all(...e.params) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join(' | ');
    assert.doesNotMatch(plan, /TEMP B-TREE/, `${q}: ${plan}`);
    const first = plan.split(' | ').find((d) => !/^SEARCH c /.test(d))!;
    const expected =
      driver === 'f' ? /^SCAN f VIRTUAL TABLE/ : /^(SCAN m|SEARCH m USING INTEGER PRIMARY KEY)/;
    assert.match(first, expected, `${q}: ${plan}`);
    if (driver !== 'm')
      assert.doesNotMatch(plan, /SCAN (m|u|messages)( |$)/, `no table scan: ${q}: ${plan}`);
  }
});

withFixture('searchChats finds chats by folded name, best matches first', (f) => {
  f.say('Général', { body: 'x', ts: T0 });
  f.say('Team general', { body: 'x', ts: T0 + 2 });
  f.say('Degeneralized', { body: 'x', ts: T0 + 3 });
  f.say('Random', { body: 'x', ts: T0 + 1 });
  assert.deepEqual(
    searchChats(readerOf(f.db), 'general', 10).map((c) => c.name),
    ['Général', 'Team general', 'Degeneralized'],
  );
  assert.deepEqual(
    searchChats(readerOf(f.db), 'GÉN', 1).map((c) => c.name),
    ['Général'],
  );
  assert.deepEqual(
    searchChats(readerOf(f.db), '', 10).map((c) => c.name),
    ['Degeneralized', 'Team general', 'Random', 'Général'],
  );
  const [c] = searchChats(readerOf(f.db), 'random', 5);
  assert.equal(c!.accountId, 1);
  assert.equal(typeof c!.chatId, 'number');
  assert.deepEqual(searchChats(readerOf(f.db), 'zzz', 5), []);
});
