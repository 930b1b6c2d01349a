// An account's sync status as words.
import type { AccountStatus } from '../../../main/daemon/model/types.js';

export const STATUS_LABEL: Record<AccountStatus, string> = {
  active: 'Up to date',
  syncing: 'Syncing…',
  error: 'Connection problem',
  signed_out: 'Signed out — sign in again',
  paused: 'Paused',
  disk_full: 'Disk full — free some space',
};
