// chats.blocked: the user blocked the chat on the server (REST chat's
// per-user chat block: no notifications from it, posts into it refused).
// Like muted and archived it is the user's own flag; a connector that keeps it
// on the server sets it when the server's value changes.
import type { Migration } from './types.js';

export const chatBlocked: Migration = {
  version: 10,
  name: 'blocked chats',
  up: `
ALTER TABLE chats ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
`,
};
