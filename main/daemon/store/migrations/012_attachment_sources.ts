// End-to-end encryption, second part:
// - How a connector reaches an attachment's bytes beyond its remote id: for an
//   end-to-end encrypted Matrix file, the key, IV and checksum of the file and
//   of its encrypted thumbnail (the connector's own JSON, opaque to the store,
//   read back only by the connector that wrote it). NULL for every other
//   attachment.
// - An index of the encrypted placeholders (messages waiting for their key),
//   so "N waiting for keys" is counted without reading a chat's messages.
import type { Migration } from './types.js';

export const attachmentSources: Migration = {
  version: 12,
  name: 'attachment sources (encrypted attachments), messages waiting for keys',
  up: `
ALTER TABLE attachments ADD COLUMN source_json TEXT;
CREATE INDEX messages_waiting_for_key ON messages (chat_id) WHERE kind = 'encrypted' AND deleted = 0;
`,
};
