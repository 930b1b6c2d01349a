// Indexes for the blob collector (store/blobCollector.ts): before a blob file
// goes it asks whether any row still names the hash, and asks it for a few
// hundred hashes per slice; without these each ask would scan every
// attachment and every cached media row.
import type { Migration } from './types.js';

export const blobReferenceIndexes: Migration = {
  version: 17,
  name: 'indexes on the columns that name a blob',
  up: `
CREATE INDEX attachments_by_blob ON attachments (blob_sha256) WHERE blob_sha256 IS NOT NULL;
CREATE INDEX media_cache_by_blob ON media_cache (blob_sha256);
`,
};
