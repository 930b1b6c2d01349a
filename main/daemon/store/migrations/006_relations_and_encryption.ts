// Matrix correctness and safety, in protocol-neutral columns:
// - chats.encrypted: the chat is end-to-end encrypted, so Parley (which cannot
//   encrypt yet) must refuse to write into it.
// - messages.edit_scope: an edit applies only to a message of the same scope
//   (the connector decides what a scope is; Matrix: the event type).
// - messages.notify: whether the message notifies, as the protocol's own rules
//   decided (Matrix push rules); NULL when the connector did not say.
// - message_revisions.edit_remote_id: which edit replaced the text, so deleting
//   the edit (a Matrix redaction of the m.replace event) can revert it.
// - pending_relations: edits, reactions and deletions whose target message has
//   not arrived yet (backfill meets them before their target), applied and
//   deleted in the transaction that stores the target.
import type { Migration } from './types.js';

export const relationsAndEncryption: Migration = {
  version: 6,
  name: 'pending relations, encrypted chats, edit scope, notify flag, edit ids',
  up: `
ALTER TABLE chats ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edit_scope TEXT;
ALTER TABLE messages ADD COLUMN notify INTEGER;
ALTER TABLE message_revisions ADD COLUMN edit_remote_id TEXT;
CREATE INDEX message_revisions_by_edit ON message_revisions (edit_remote_id)
  WHERE edit_remote_id IS NOT NULL;
CREATE TABLE pending_relations (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_remote_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- The relation's own remote id, when it has one (a reaction can be deleted before it applies).
  relation_remote_id TEXT,
  payload_json TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE (account_id, target_remote_id, kind, payload_json)
);
CREATE INDEX pending_relations_by_own_id ON pending_relations (account_id, relation_remote_id)
  WHERE relation_remote_id IS NOT NULL;
`,
};
