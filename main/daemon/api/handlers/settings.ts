// App-wide settings (do-not-disturb, per-account notifications).
import * as z from 'zod';
import { DEFAULT_SETTINGS, type AppSettings } from '../contract.js';
import type { Store } from '../../store/store.js';
import { readSetting, writeSetting } from '../../store/appSettings.js';
import type { HandlerContext, Handlers } from './context.js';
import { readAccountSettings, updateAccountSettings } from '../../store/accountSettings.js';

// What a stored value may hold; one that no longer parses falls back to its default.
const storedDnd = z
  .object({
    enabled: z.boolean(),
    from: z.string(),
    to: z.string(),
    days: z.array(z.number().int()),
  })
  .partial();
const storedAccountNotify = z.record(z.string(), z.enum(['all', 'mentions', 'none']));

export function settingsHandlers(ctx: HandlerContext) {
  const { store, accountOrThrow } = ctx;
  return {
    'accounts.settings': ({ accountId }) => {
      accountOrThrow(accountId);
      return readAccountSettings(store.readDb, accountId);
    },
    'accounts.updateSettings': ({ accountId, linkPreviews }) => {
      accountOrThrow(accountId);
      if (linkPreviews !== undefined) updateAccountSettings(store.db, accountId, { linkPreviews });
      return readAccountSettings(store.readDb, accountId);
    },
    'settings.get': () => readSettings(store),
    'settings.set': ({ dnd, accountNotify }) => {
      const current = readSettings(store);
      if (dnd) writeSetting(store.db, 'dnd', dnd);
      if (accountNotify) {
        const levels = { ...current.accountNotify };
        if (accountNotify.level === null) delete levels[String(accountNotify.accountId)];
        else levels[String(accountNotify.accountId)] = accountNotify.level;
        writeSetting(store.db, 'accountNotify', levels);
      }
      return readSettings(store);
    },
  } satisfies Partial<Handlers>;
}

/** Stored settings over the defaults. */
function readSettings(store: Store): AppSettings {
  const settings: AppSettings = structuredClone(DEFAULT_SETTINGS);
  const dnd = readSetting(store.readDb, 'dnd', storedDnd);
  if (dnd) settings.dnd = { ...settings.dnd, ...dnd };
  const accountNotify = readSetting(store.readDb, 'accountNotify', storedAccountNotify);
  if (accountNotify) settings.accountNotify = accountNotify;
  return settings;
}
