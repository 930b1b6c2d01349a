// from:VALUE widens to the names of people whose remote id starts with the
// value (search/messageSearch.ts senderClause), case-insensitively as LIKE
// was. Without an index on the id alone that was a scan of every person on
// every from: search (0.5 ms with 7k people); NOCASE matches LIKE's ASCII
// case folding, so a prefix is one range of this index.
import type { Migration } from './types.js';

export const peopleByRemoteId: Migration = {
  version: 15,
  name: 'people by remote id, for from:',
  up: `CREATE INDEX people_by_remote_id ON people (remote_id COLLATE NOCASE);`,
};
