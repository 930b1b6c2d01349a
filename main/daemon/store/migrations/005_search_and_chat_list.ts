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
import type { Migration } from './types.js';
import { MessageIndex } from '../search/messageIndex.js';

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
  after: (db) => MessageIndex.rebuildWords(db),
};
