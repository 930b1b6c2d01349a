import type { ReadCapabilities } from '../operations.js';

/** What REST chat does beyond writes (those are read off restChatOperations). */
export const REST_CHAT_CAPABILITIES: ReadCapabilities = {
  live: false, // the websocket is not read yet: catch-up by re-paging on each sync
  backfill: true, // per chat, `before` = the oldest message id fetched
  typing: false,
  attachments: false,
  presence: false,
};
