// An account's sync status as words (from the strings catalog).
import type { AccountStatus } from '../../../main/daemon/model/types.js';
import { strings } from './strings.js';

export const STATUS_LABEL: Record<AccountStatus, string> = strings.status;
