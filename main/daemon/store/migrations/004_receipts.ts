// Read receipts of other people ("seen by"): per chat and person, the newest
// message they have read. Typing and presence are ephemeral and never stored.
import type { Migration } from './types.js';

export const receipts: Migration = {
  version: 4,
  name: 'read receipts',
  up: `
CREATE TABLE receipts (
  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  person_remote_id TEXT NOT NULL,
  message_remote_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (chat_id, person_remote_id)
) WITHOUT ROWID;
`,
};
