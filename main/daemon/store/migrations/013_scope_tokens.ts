// The word index gains scope tokens (search/scopeTokens.ts): each message's
// chat, and whether it has attachments, after the sender's name, so in: and
// has:attachment with a common word are FTS5 AND queries (issue #14: 6.5 ms
// p95 at 1M messages, walking ~25k hits of "the" for one small chat's page).
// Rewriting every row here would hold the upgrade for minutes on a large
// profile, so this only queues them; the daemon's background indexer
// rewrites them in small transactions (search/wordReindexer.ts), and until
// the queue is empty those searches check rows as before (same results,
// slower).
import type { Migration } from './types.js';

export const scopeTokens: Migration = {
  version: 13,
  name: 'scope tokens (chat, has attachment) in the word index',
  up: `
CREATE TABLE scope_backlog (id INTEGER PRIMARY KEY);
INSERT INTO scope_backlog (id) SELECT id FROM messages WHERE deleted = 0;
`,
};
