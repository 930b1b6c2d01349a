import type { ReadCapabilities } from '../operations.js';

/** What unichat does beyond writes (those are read off unichatOperations). */
export const UNICHAT_CAPABILITIES: ReadCapabilities = {
  live: true, // notifications over SSE; each runs the serial catch-up of its group
  backfill: true, // per group, before_id = the oldest message id fetched
  // Typing arrives (`entering`, sent when someone saves a draft); there is no
  // typing call to make, so ours goes out as the draft (saveDraft), not setTyping.
  typing: true,
  attachments: true, // chunked uploads (async, CRC-32), downloads by URL
  presence: false,
};
