// held_read_positions: the user's read position in a chat when the message it
// names is not stored yet (a sync lists chats with their read positions before
// their messages; a live pass races a catch-up; history brings it later). It
// applies and goes in the transaction that stores the message. One row per
// chat (the latest position wins), gone with the chat; `exact` as in
// RemoteReadPosition (it may move the position back).
import type { Migration } from './types.js';

export const heldReadPositions: Migration = {
  version: 16,
  name: 'read positions waiting for their message',
  up: `
CREATE TABLE held_read_positions (
  chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
  message_remote_id TEXT NOT NULL,
  exact INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
`,
};
