// A mail's From, To and Cc (mail_addresses, filled by the batch writer from
// the typed fields the JMAP Mail mapping gives; migration 008 for older rows).
import type { MailHeaderAddress, MailHeaders, RemoteMailFields } from '../model/types.js';
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

const FIELDS = ['from', 'to', 'cc'] as const;

interface AddressRow {
  field: (typeof FIELDS)[number];
  name: string | null;
  email: string;
}

const rowToAddress = (r: AddressRow): MailHeaderAddress => ({ name: r.name, email: r.email });

/** The message's addresses in header order; null when there is no such message. */
export function mailHeaders(db: ReadDb, messageId: number): MailHeaders | null {
  if (statement(db, `SELECT 1 FROM messages WHERE id = ?`).get(messageId) === undefined)
    return null;
  const headers: MailHeaders = { from: [], to: [], cc: [] };
  const rows = statement(
    db,
    `SELECT field, name, email FROM mail_addresses WHERE message_id = ? ORDER BY field, position`,
  ).all(messageId) as AddressRow[];
  for (const r of rows) headers[r.field].push(rowToAddress(r));
  return headers;
}

/** Replaces the message's addresses with the mail's (a replayed mail writes the same rows). */
export function writeMailAddresses(db: WriteDb, messageId: number, mail: RemoteMailFields): void {
  statement(db, `DELETE FROM mail_addresses WHERE message_id = ?`).run(messageId);
  const insert = statement(
    db,
    `INSERT INTO mail_addresses (message_id, field, position, name, email) VALUES (?, ?, ?, ?, ?)`,
  );
  for (const field of FIELDS)
    mail[field].forEach((a, i) => insert.run(messageId, field, i, a.name, a.email));
}
