// What the UI shows moves out of the connectors' raw JSON into columns, so no
// reader outside a connector parses raw_json (it stays only as the archive of
// fields the model has none for):
// - chats.inviter_remote_id: who invited the user to a chat (Matrix invites);
// - messages.mail_starred / mail_draft: a mail's $flagged and $draft keywords
//   (NULL for messages that are not mail);
// - mail_addresses: a mail's From, To and Cc, one row per address in order.
//
// Old rows are backfilled from raw_json here. That is the one place outside a
// connector that reads it: this frozen code knows the shapes the connectors
// stored before 008 (Matrix invites: {inviter, isDirect}; JMAP Mail: the Email
// object, whose from/to/cc are arrays of {name, email}) and never changes.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

export const typedMailAndInvites: Migration = {
  version: 8,
  name: 'typed mail headers and keywords, chat inviter',
  up: `
ALTER TABLE chats ADD COLUMN inviter_remote_id TEXT;
ALTER TABLE messages ADD COLUMN mail_starred INTEGER;
ALTER TABLE messages ADD COLUMN mail_draft INTEGER;
CREATE TABLE mail_addresses (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  field TEXT NOT NULL CHECK (field IN ('from', 'to', 'cc')),
  position INTEGER NOT NULL,
  name TEXT,
  email TEXT NOT NULL,
  PRIMARY KEY (message_id, field, position)
) WITHOUT ROWID;

UPDATE chats SET inviter_remote_id = json_extract(raw_json, '$.inviter')
  WHERE CASE WHEN json_valid(raw_json) THEN json_type(raw_json, '$.inviter') END = 'text';
UPDATE messages SET
  mail_starred = CASE WHEN json_valid(raw_json)
    THEN coalesce(json_extract(raw_json, '$.keywords."$flagged"') = 1, 0) ELSE 0 END,
  mail_draft = CASE WHEN json_valid(raw_json)
    THEN coalesce(json_extract(raw_json, '$.keywords."$draft"') = 1, 0) ELSE 0 END
  WHERE kind = 'mail';
`,
  after: (db) => backfillMailAddresses(db),
};

const FIELDS = ['from', 'to', 'cc'] as const;

/** The addresses of a stored Email: entries without a string email are skipped, empty names are none. */
function addressesOf(raw: unknown, field: (typeof FIELDS)[number]) {
  const list = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[field] : null;
  if (!Array.isArray(list)) return [];
  const out: { name: string | null; email: string }[] = [];
  for (const a of list as unknown[]) {
    if (!a || typeof a !== 'object') continue;
    const { name, email } = a as { name?: unknown; email?: unknown };
    if (typeof email !== 'string') continue;
    out.push({ name: typeof name === 'string' && name ? name : null, email });
  }
  return out;
}

function backfillMailAddresses(db: Database.Database): void {
  const insert = db.prepare(
    `INSERT INTO mail_addresses (message_id, field, position, name, email) VALUES (?, ?, ?, ?, ?)`,
  );
  // Paged: better-sqlite3 cannot write while a statement on the connection iterates.
  const page = db.prepare(
    `SELECT id, raw_json FROM messages WHERE kind = 'mail' AND raw_json IS NOT NULL AND id > ?
     ORDER BY id LIMIT 1000`,
  );
  type Row = { id: number; raw_json: string };
  for (let rows = page.all(-1) as Row[]; rows.length > 0; rows = page.all(rows.at(-1)!.id) as Row[])
    for (const r of rows) {
      let raw: unknown;
      try {
        raw = JSON.parse(r.raw_json);
      } catch {
        continue; // unreadable: the mail shows no addresses, as before
      }
      for (const field of FIELDS)
        addressesOf(raw, field).forEach((a, i) => insert.run(r.id, field, i, a.name, a.email));
    }
}
