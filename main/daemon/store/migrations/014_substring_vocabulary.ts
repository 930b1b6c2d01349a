// The substring index becomes a vocabulary (search/vocabulary.ts): the
// distinct words of all messages, with a trigram index over the words, in
// place of a trigram index over every message (which cost half the raw ingest
// loop again; issue #14). The old index is dropped here and every message is
// queued; the daemon's background indexer fills the vocabulary in small
// transactions, and substring searches say they are partial until it is done,
// as they did while the trigram backlog drained.
import type { Migration } from './types.js';

export const substringVocabulary: Migration = {
  version: 14,
  name: 'substring search by a vocabulary of words',
  up: `
DROP TABLE messages_trigram;
ALTER TABLE trigram_backlog RENAME TO substring_backlog;
DELETE FROM substring_backlog;
INSERT INTO substring_backlog (id) SELECT id FROM messages WHERE deleted = 0;
CREATE TABLE vocabulary (
  id INTEGER PRIMARY KEY,
  word TEXT NOT NULL UNIQUE,
  folded TEXT NOT NULL
);
CREATE INDEX vocabulary_by_folded ON vocabulary (folded);
CREATE VIRTUAL TABLE vocabulary_trigrams USING fts5 (
  folded, content = '', detail = 'none', tokenize = 'trigram'
);
`,
};
