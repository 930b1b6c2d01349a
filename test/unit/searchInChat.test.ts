// in:CHAT with words, held to a brute-force oracle across pages: several
// chats named alike, common and rare words, a negated word, before: and
// has:attachment, and an old chat beside a busy one (the id-set membership
// test and the row check must agree with where pages end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold } from '../../main/daemon/store/search/indexText.js';
import type { RemoteMessage } from '../../main/daemon/model/types.js';
import { addAccount, message, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';

const T0 = Date.UTC(2024, 5, 1);
const DAY = 86_400_000;

test('in: with words finds exactly what the chat filter and the words allow, newest first, on every page', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const chats = ['design', 'design-notes', 'general', 'random'];
    const docs: { id: number; chat: string; text: string; ts: number; file: boolean }[] = [];
    const messages: RemoteMessage[] = [];
    for (let i = 0; i < 1500; i++) {
      const chat = chats[i % 7 === 0 ? 0 : i % 11 === 0 ? 1 : 2 + (i % 2)]!;
      const rare = i % 97 === 0 ? ' zeppelin' : '';
      const text = `${i % 5 === 0 ? 'The' : 'a'} note ${i}${rare}${i % 4 === 0 ? ' draft' : ''}`;
      const file = i % 6 === 0;
      const ts = T0 + i * (DAY / 10);
      docs.push({ id: 0, chat, text, ts, file });
      messages.push(
        message(
          `!${chat}`,
          `$${i}`,
          ts,
          text,
          file
            ? { attachments: [{ remoteId: `f${i}`, name: 'a.txt', mime: 'text/plain', size: 1 }] }
            : {},
        ),
      );
    }
    const result = store.writer.apply(account.id, {
      chats: chats.map((name) => ({ remoteId: `!${name}`, kind: 'group' as const, name })),
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      messages,
    });
    result.insertedMessageIds.forEach((id, i) => (docs[i]!.id = id));

    const words = (text: string) => fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
    const has = (text: string, w: string) => words(text).some((t) => t.startsWith(w));
    const all = (query: string, limit: number) => allSearchHits(store, query, limit);
    const expect = (keep: (d: (typeof docs)[number]) => boolean) =>
      docs
        .filter(keep)
        .map((d) => d.id)
        .sort((a, b) => b - a);
    const inDesign = (d: (typeof docs)[number]) => d.chat.includes('design');
    const cases: [string, (d: (typeof docs)[number]) => boolean][] = [
      ['in:design the', (d) => inDesign(d) && has(d.text, 'the')],
      ['in:design note', (d) => inDesign(d) && has(d.text, 'note')],
      ['in:design draft', (d) => inDesign(d) && has(d.text, 'draft')],
      ['in:design zeppelin', (d) => inDesign(d) && has(d.text, 'zeppelin')],
      ['in:design note -draft', (d) => inDesign(d) && !has(d.text, 'draft')],
      ['in:general note', (d) => d.chat === 'general'],
      ['in:design note before:2024-09-09', (d) => inDesign(d) && d.ts < Date.UTC(2024, 8, 9)],
      ['in:design has:attachment note', (d) => inDesign(d) && d.file],
    ];
    for (const [query, keep] of cases)
      for (const limit of [3, 50, 500]) {
        const expected = expect(keep);
        assert.ok(expected.length > 0, `${query} has hits`);
        assert.deepEqual(all(query, limit), expected, `${query} (pages of ${limit})`);
      }
  } finally {
    cleanup();
  }
});

test('in: naming an old chat and a busy one pages through every hit once, newest first', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    // alpha-old: 200 old messages, every fifth "kiwi"; alpha: 400 newer ones,
    // one "kiwi": every page after the first is all alpha-old.
    const old = Array.from({ length: 200 }, (_, i) =>
      message('!old', `$o${i}`, T0 + i * 1000, i % 5 === 0 ? `kiwi ${i}` : `pear ${i}`),
    );
    const busy = Array.from({ length: 400 }, (_, i) =>
      message('!busy', `$b${i}`, T0 + DAY + i * 1000, i === 390 ? 'kiwi late' : `apple ${i}`),
    );
    const result = store.writer.apply(account.id, {
      chats: [
        { remoteId: '!old', kind: 'group', name: 'alpha-old' },
        { remoteId: '!busy', kind: 'group', name: 'alpha' },
      ],
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      messages: [...old, ...busy],
    });
    const ids = result.insertedMessageIds;
    const expected = [
      ids[200 + 390]!,
      ...ids
        .slice(0, 200)
        .filter((_, i) => i % 5 === 0)
        .reverse(),
    ];
    for (const limit of [10, 25]) {
      assert.deepEqual(allSearchHits(store, 'in:alpha kiwi', limit), expected, `pages of ${limit}`);
    }
  } finally {
    cleanup();
  }
});
