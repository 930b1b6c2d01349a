// Per-account settings, kept in accounts.settings_json (so they go with the
// account). Unknown or malformed values read as their defaults.
import type { Db } from './database.js';

export interface AccountSettings {
  /**
   * History depth: backfill fetches each chat's history back to this many
   * days before now; null means the whole history (the default).
   */
  historyDays: number | null;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { historyDays: null };

export function readAccountSettings(db: Db, accountId: number): AccountSettings {
  const raw = db
    .prepare(`SELECT settings_json FROM accounts WHERE id = ?`)
    .pluck()
    .get(accountId) as string | undefined;
  const settings = { ...DEFAULT_ACCOUNT_SETTINGS };
  try {
    const stored = JSON.parse(raw ?? '{}') as Record<string, unknown>;
    if (isHistoryDays(stored.historyDays)) settings.historyDays = stored.historyDays;
  } catch {
    // keep the defaults
  }
  return settings;
}

/** Merges `patch` into the account's settings; false when there is no such account. */
export function updateAccountSettings(
  db: Db,
  accountId: number,
  patch: Partial<AccountSettings>,
): boolean {
  if (patch.historyDays !== undefined && !isHistoryDays(patch.historyDays))
    throw new RangeError('the history depth is a whole number of days (1 or more), or full');
  return db.transaction(() => {
    const raw = db
      .prepare(`SELECT settings_json FROM accounts WHERE id = ?`)
      .pluck()
      .get(accountId) as string | undefined;
    if (raw === undefined) return false;
    let stored: Record<string, unknown> = {};
    try {
      stored = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // a malformed value is replaced
    }
    db.prepare(`UPDATE accounts SET settings_json = ? WHERE id = ?`).run(
      JSON.stringify({ ...stored, ...patch }),
      accountId,
    );
    return true;
  })();
}

function isHistoryDays(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 1);
}
