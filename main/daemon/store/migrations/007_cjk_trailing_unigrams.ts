// A one-character CJK query must find the character at the end of a run too,
// so the word index now also holds each CJK run's last character
// (search/indexText.ts). Rows indexed before lack it. Reindexing them here
// could hold the upgrade for minutes on a large CJK mailbox, so this only
// queues the messages that contain CJK text (a scan inside SQLite); the
// daemon's background indexer reindexes them in small transactions
// (search/wordReindexer.ts) and a search says it is partial until then.
//
// The character class is wider than the indexer's CJK test (it takes whole
// blocks): queueing a message that needs nothing costs one reindex.
import type { Migration } from './types.js';

const CJK_CLASS =
  '[ᄀ-ᇿ⺀-⿟々-〇〡-〯〱-〵〸-〻぀-ヿㄱ-ㆎㇰ-ㇿ㈀-㏿㐀-䶿一-鿿ꥠ-꥿가-퟿豈-﫿ｦ-ￜ𖿠-𖿿𚿰-𛅯🈀𠀀-𳑿]';

export const cjkTrailingUnigrams: Migration = {
  version: 7,
  name: 'CJK runs also index their last character',
  up: `
CREATE TABLE word_backlog (id INTEGER PRIMARY KEY);
INSERT INTO word_backlog (id)
  SELECT id FROM messages WHERE deleted = 0
    AND (body GLOB '*${CJK_CLASS}*' OR subject GLOB '*${CJK_CLASS}*');
`,
};

/** For the test that every character the indexer treats as CJK is queued. */
export const MIGRATION_007_CJK_CLASS = CJK_CLASS;
