// Per-account settings, kept in accounts.settings_json (so they go with the
// account), parsed with a schema when read: unknown keys are kept, and a
// malformed value reads as its default.
import * as z from 'zod';
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

export interface AccountSettings {
  /**
   * History depth: backfill fetches each chat's history back to this many
   * days before now; null means the whole history (the default).
   */
  historyDays: number | null;
  /** Link previews through the account's server (Matrix preview_url); on unless switched off. */
  linkPreviews: boolean;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { historyDays: null, linkPreviews: true };

const historyDays = z.number().int().min(1).nullable();

/** The column as stored: each known setting falls back on its own, other keys pass through. */
const StoredSettings = z.looseObject({
  historyDays: historyDays.optional().catch(undefined),
  linkPreviews: z.boolean().optional().catch(undefined),
});
type StoredSettings = z.infer<typeof StoredSettings>;

function parseStored(text: string | undefined): StoredSettings {
  try {
    const parsed = StoredSettings.safeParse(JSON.parse(text ?? '{}'));
    return parsed.success ? parsed.data : {};
  } catch {
    return {}; // not JSON: the defaults (an update replaces it)
  }
}

const settingsJson = (db: ReadDb | WriteDb, accountId: number) =>
  statement(db, `SELECT settings_json FROM accounts WHERE id = ?`).pluck().get(accountId) as
    string | undefined;

export function readAccountSettings(db: ReadDb, accountId: number): AccountSettings {
  const stored = parseStored(settingsJson(db, accountId));
  return {
    historyDays: stored.historyDays ?? DEFAULT_ACCOUNT_SETTINGS.historyDays,
    linkPreviews: stored.linkPreviews ?? DEFAULT_ACCOUNT_SETTINGS.linkPreviews,
  };
}

/** Merges `patch` into the account's settings; false when there is no such account. */
export function updateAccountSettings(
  db: WriteDb,
  accountId: number,
  patch: Partial<AccountSettings>,
): boolean {
  if (patch.historyDays !== undefined && !historyDays.safeParse(patch.historyDays).success)
    throw new RangeError('the history depth is a whole number of days (1 or more), or full');
  return db.transaction(() => {
    const text = settingsJson(db, accountId);
    if (text === undefined) return false;
    statement(db, `UPDATE accounts SET settings_json = ? WHERE id = ?`).run(
      JSON.stringify({ ...parseStored(text), ...patch }),
      accountId,
    );
    return true;
  })();
}
