import type { ConnectorCapabilities } from '../connector.js';

export const JMAP_CHAT_CAPABILITIES: ConnectorCapabilities = {
  live: true, // WebSocket or EventSource push when the session offers it, else polling
  backfill: true, // per chat, below the initial window (Message/query anchors)
  edit: true, // author-only, server keeps editHistory
  react: true, // reactions/<senderReactionId> JSON-pointer patches
  delete: true, // deletedAt (+ deletedForAll on own messages)
  readMarkers: true, // ReadPosition
  typing: true, // Chat/typing (outgoing)
  attachments: true, // blobs; thumbnails through Blob/convert when offered
};
