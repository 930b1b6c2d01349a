// An account's sync status as words.
import type { AccountStatus } from '../../../main/daemon/model/types.js';

export const STATUS_LABEL: Record<AccountStatus, string> = {
  active: 'Up to date',
  syncing: 'Syncing…',
  offline: 'Offline',
  error: 'Connection problem',
  signed_out: 'Signed out — sign in again',
  paused: 'Paused',
};
