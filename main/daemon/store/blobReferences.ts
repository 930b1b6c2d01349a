// Every row that keeps a blob alive, in one list. The blob collector
// (blobCollector.ts) deletes a blob only when none of these names its hash, so
// a table that starts naming blobs must be added here: test/unit/blobCollector
// fails when a column named like `*sha256*` appears that this list lacks.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

interface BlobReference {
  /** `table.column` holding the hash (the schema test matches these). */
  column: string;
  /** Why the row needs the bytes. */
  why: string;
  /** The hashes among `@hashes` (a JSON array) this table names. */
  sql: string;
}

export const BLOB_REFERENCES: readonly BlobReference[] = [
  {
    column: 'attachments.blob_sha256',
    // A deleted message keeps its row as a tombstone (body emptied) with its
    // attachment rows: their bytes are no longer needed.
    why: "a message's file, fetched or sent (a local echo's too), unless the message was deleted",
    sql: `SELECT a.blob_sha256 FROM attachments a JOIN messages m ON m.id = a.message_id
          WHERE m.deleted = 0 AND a.blob_sha256 IN (SELECT value FROM json_each(@hashes))`,
  },
  {
    column: 'media_cache.blob_sha256',
    why: 'what a media URI gave: avatars, inline images, their thumbnails',
    sql: `SELECT blob_sha256 FROM media_cache WHERE blob_sha256 IN (SELECT value FROM json_each(@hashes))`,
  },
  {
    // The payload is Parley's own JSON (model/ops.ts OutgoingAttachment): a
    // send not done yet (pending, sending, failed and retryable) still needs
    // its bytes even when its local echo was deleted or its chat cleared. A
    // sent one's bytes live on through the server copy's attachment rows.
    column: 'outbox.payload_json',
    why: 'a file waiting to be sent',
    sql: `SELECT sha FROM (
            SELECT json_extract(payload_json, '$.attachment.sha256') AS sha FROM outbox
            WHERE state <> 'sent' AND json_valid(payload_json))
          WHERE sha IN (SELECT value FROM json_each(@hashes))`,
  },
];

/** The blob's own row (size, type): not a reference, it goes with the file. */
export const BLOB_OWN_COLUMN = 'blobs.sha256';

const REFERENCED_SQL = BLOB_REFERENCES.map((r) => r.sql).join('\nUNION\n');

/** Which of `hashes` some row still needs. */
export function referencedBlobs(db: ReadDb, hashes: readonly string[]): Set<string> {
  if (hashes.length === 0) return new Set();
  return new Set(
    statement(db, REFERENCED_SQL)
      .pluck()
      .all({ hashes: JSON.stringify(hashes) }) as string[],
  );
}
