// Attachment rows and the blobs their bytes were fetched into. Several
// messages of an account may name the same server blob (a forwarded file, a
// mail in two threads): the bytes are fetched once and linked to all of them.
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

/** Where an attachment's bytes come from: its account and the server's id for them. */
export interface AttachmentSource {
  accountId: number;
  remoteId: string;
  name: string;
  mime: string;
  /** The blob holding its bytes, once fetched. */
  blobSha256: string | null;
  /** The connector's own JSON for reaching the bytes (RemoteAttachment.source), or null. */
  source: string | null;
}

interface AttachmentRow {
  account_id: number;
  remote_id: string;
  name: string;
  mime: string;
  blob_sha256: string | null;
  source_json: string | null;
}

const rowToSource = (r: AttachmentRow): AttachmentSource => ({
  accountId: r.account_id,
  remoteId: r.remote_id,
  name: r.name,
  mime: r.mime,
  blobSha256: r.blob_sha256,
  source: r.source_json,
});

export function attachmentSource(db: ReadDb, attachmentId: number): AttachmentSource | null {
  const row = statement(
    db,
    `SELECT a.remote_id, a.name, a.mime, a.blob_sha256, a.source_json, m.account_id FROM attachments a
     JOIN messages m ON m.id = a.message_id WHERE a.id = ?`,
  ).get(attachmentId) as AttachmentRow | undefined;
  return row ? rowToSource(row) : null;
}

/** A blob already fetched for this server blob, by any message of the account. */
export function fetchedBlob(db: ReadDb, accountId: number, remoteId: string): string | null {
  return (
    (statement(
      db,
      `SELECT a.blob_sha256 FROM attachments a JOIN messages m ON m.id = a.message_id
       WHERE m.account_id = ? AND a.remote_id = ? AND a.blob_sha256 IS NOT NULL LIMIT 1`,
    )
      .pluck()
      .get(accountId, remoteId) as string | undefined) ?? null
  );
}

/** Every attachment of the account naming this server blob now shows the fetched blob. */
export function linkFetchedBlob(
  db: WriteDb,
  accountId: number,
  remoteId: string,
  sha256: string,
): void {
  statement(
    db,
    `UPDATE attachments SET blob_sha256 = ? WHERE remote_id = ?
     AND message_id IN (SELECT id FROM messages WHERE account_id = ?)`,
  ).run(sha256, remoteId, accountId);
}
