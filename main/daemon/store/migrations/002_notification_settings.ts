// Notification preferences: per chat (all / mentions / none) and app-wide
// settings such as the do-not-disturb schedule, kept as JSON values.
import type { Migration } from './types.js';

export const notificationSettings: Migration = {
  version: 2,
  name: 'notification settings',
  up: `
ALTER TABLE chats ADD COLUMN notify_level TEXT NOT NULL DEFAULT 'all'
  CHECK (notify_level IN ('all', 'mentions', 'none'));
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL
) WITHOUT ROWID;
`,
};
