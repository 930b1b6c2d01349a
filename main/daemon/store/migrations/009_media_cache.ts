// Media fetched by URI from an account's media repository (avatars, inline
// images: Matrix mxc://), and link previews the account's server made. The
// bytes live in the blob store; these tables only remember which blob a URI
// (at a thumbnail size, or whole: variant '') gave, and a preview's fields,
// so each is fetched once and survives a restart.
import type { Migration } from './types.js';

export const mediaCache: Migration = {
  version: 9,
  name: 'media and link preview cache',
  up: `
CREATE TABLE media_cache (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uri TEXT NOT NULL,
  variant TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, uri, variant)
) WITHOUT ROWID;

CREATE TABLE link_previews (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  preview_json TEXT,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, url)
) WITHOUT ROWID;
`,
};
