// Which blob a media URI gave (whole, or a thumbnail size), and the link
// previews an account's server made: remembered so each is fetched once.
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

/** '' for the whole file, '<w>x<h>' for a thumbnail. */
export const mediaVariant = (size?: { width: number; height: number }): string =>
  size ? `${size.width}x${size.height}` : '';

export function cachedMedia(
  db: ReadDb,
  accountId: number,
  uri: string,
  variant: string,
): string | null {
  return (
    (statement(
      db,
      `SELECT blob_sha256 FROM media_cache WHERE account_id = ? AND uri = ? AND variant = ?`,
    )
      .pluck()
      .get(accountId, uri, variant) as string | undefined) ?? null
  );
}

export function rememberMedia(
  db: WriteDb,
  accountId: number,
  uri: string,
  variant: string,
  sha256: string,
  now = Date.now(),
): void {
  statement(
    db,
    `INSERT INTO media_cache (account_id, uri, variant, blob_sha256, fetched_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account_id, uri, variant) DO UPDATE
       SET blob_sha256 = excluded.blob_sha256, fetched_at = excluded.fetched_at`,
  ).run(accountId, uri, variant, sha256, now);
}

/** A stored preview: `json` is null when the server had none (remembered too). */
export function cachedLinkPreview(
  db: ReadDb,
  accountId: number,
  url: string,
): { json: string | null; fetchedAt: number } | null {
  const row = statement(
    db,
    `SELECT preview_json, fetched_at FROM link_previews WHERE account_id = ? AND url = ?`,
  ).get(accountId, url) as { preview_json: string | null; fetched_at: number } | undefined;
  return row ? { json: row.preview_json, fetchedAt: row.fetched_at } : null;
}

export function rememberLinkPreview(
  db: WriteDb,
  accountId: number,
  url: string,
  json: string | null,
  now = Date.now(),
): void {
  statement(
    db,
    `INSERT INTO link_previews (account_id, url, preview_json, fetched_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (account_id, url) DO UPDATE
       SET preview_json = excluded.preview_json, fetched_at = excluded.fetched_at`,
  ).run(accountId, url, json, now);
}
