// Faster ingest and reads, found by `npm run bench`:
// - The word index gets prefix indexes up to 6 characters. Every query word is
//   a prefix, and FTS5 must merge the whole doclist of every matching term for
//   a prefix longer than its prefix indexes (13 ms for "merge" at 1M messages,
//   0.08 ms with the index). The index is rebuilt from the messages table.
// - The trigram index is filled off the ingest path: new messages are queued
//   in trigram_backlog and indexed in small background transactions; a
//   substring search first drains what is left (see search/trigramIndexer.ts).
// - The chat list keeps its preview text and a tie-breaking index order, so it
//   reads chats only.
//
// Frozen: a migration must do the same thing on every future version, so it
// imports no live code. The word-index text below is a copy of
// search/indexText.ts as it was when this file was frozen; the live indexer
// may change (migration 007 queued a reindex for such a change) without
// changing what this migration writes.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

export const searchAndChatList: Migration = {
  version: 5,
  name: 'prefix indexes, deferred trigram indexing, chat list preview',
  up: `
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  body, subject, sender,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5 6'
);
CREATE TABLE trigram_backlog (id INTEGER PRIMARY KEY);
INSERT INTO trigram_backlog (id) SELECT id FROM messages WHERE deleted = 0;
DELETE FROM messages_trigram;

ALTER TABLE chats ADD COLUMN last_message_preview TEXT;
UPDATE chats SET last_message_preview =
  (SELECT substr(body, 1, 140) FROM messages WHERE id = chats.last_message_id);
DROP INDEX chats_by_activity;
CREATE INDEX chats_by_activity ON chats (archived, pinned DESC, last_activity_ts DESC, id DESC);
`,
  // The word index is rebuilt in JS: CJK text is indexed as bigrams.
  after: (db) => rebuildWordIndex(db),
};

const CJK_RUN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]+/gu;

/** A CJK run as overlapping bigrams, then its last character alone (北京大学 → 北京 京大 大学 学). */
function cjkTokens(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length < 2) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  out.push(chars[chars.length - 1]!);
  return out;
}

function indexText(text: string): string {
  CJK_RUN.lastIndex = 0;
  if (!CJK_RUN.test(text)) return text;
  CJK_RUN.lastIndex = 0;
  return text.replace(CJK_RUN, (run) => ` ${cjkTokens(run).join(' ')} `);
}

function rebuildWordIndex(db: Database.Database): void {
  const insert = db.prepare(
    `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, ?, ?)`,
  );
  // Paged: better-sqlite3 cannot write while a statement on the connection iterates.
  const page = db.prepare(
    `SELECT id, body, subject, sender_name FROM messages
     WHERE deleted = 0 AND id > ? ORDER BY id LIMIT 5000`,
  );
  type Row = { id: number; body: string; subject: string | null; sender_name: string };
  for (let rows = page.all(-1) as Row[]; rows.length > 0; rows = page.all(rows.at(-1)!.id) as Row[])
    for (const r of rows)
      insert.run(r.id, indexText(r.body), r.subject ? indexText(r.subject) : null, r.sender_name);
}
