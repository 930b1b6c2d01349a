import type { ReadCapabilities } from '../operations.js';

/** What REST chat does beyond writes (those are read off restChatOperations). */
export const REST_CHAT_CAPABILITIES: ReadCapabilities = {
  live: true, // the websocket: each frame runs the catch-up (re-paging)
  backfill: true, // per chat, `before` = the oldest message id fetched
  typing: true, // notify name "typing" (the chat id in its data)
  attachments: true, // post, upload <id>.<ext> and its preview, mark fileExists
  presence: false,
};
