import type { ReadCapabilities } from '../operations.js';

/** What JMAP Chat can do beyond writes (those are read off jmapChatOperations). */
export const JMAP_CHAT_CAPABILITIES: ReadCapabilities = {
  live: true, // WebSocket or EventSource push when the session offers it, else polling
  backfill: true, // per chat, below the initial window (Message/query anchors)
  typing: true, // Chat/typing (outgoing)
  attachments: true, // blobs; thumbnails through Blob/convert when offered
  presence: true, // PresenceStatus
};
