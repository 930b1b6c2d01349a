// Some protocols remove a reaction by deleting the reaction's own event
// (Matrix redactions), so a reaction must be found by its remote id.
import type { Migration } from './types.js';

export const reactionRemoteIndex: Migration = {
  version: 3,
  name: 'reactions by remote id',
  up: `CREATE INDEX reactions_by_remote ON reactions (remote_id) WHERE remote_id IS NOT NULL;`,
};
