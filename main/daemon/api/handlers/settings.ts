// App-wide settings (do-not-disturb, per-account notifications).
import { DEFAULT_SETTINGS, type AppSettings } from '../contract.js';
import type { Store } from '../../store/store.js';
import type { HandlerContext, Handlers } from './context.js';

export function settingsHandlers(ctx: HandlerContext) {
  const { store } = ctx;
  return {
    'settings.get': () => readSettings(store),
    'settings.set': ({ dnd, accountNotify }) => {
      const current = readSettings(store);
      const put = store.db.prepare(
        `INSERT INTO settings (key, value_json) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
      );
      if (dnd) put.run('dnd', JSON.stringify(dnd));
      if (accountNotify) {
        const levels = { ...current.accountNotify };
        if (accountNotify.level === null) delete levels[String(accountNotify.accountId)];
        else levels[String(accountNotify.accountId)] = accountNotify.level;
        put.run('accountNotify', JSON.stringify(levels));
      }
      return readSettings(store);
    },
  } satisfies Partial<Handlers>;
}

/** Stored settings over the defaults; a malformed stored value falls back to its default. */
function readSettings(store: Store): AppSettings {
  const rows = store.db
    .prepare(`SELECT key, value_json FROM settings WHERE key IN ('dnd', 'accountNotify')`)
    .all() as { key: string; value_json: string }[];
  const settings: AppSettings = structuredClone(DEFAULT_SETTINGS);
  for (const r of rows) {
    try {
      const value = JSON.parse(r.value_json) as unknown;
      if (r.key === 'dnd' && value && typeof value === 'object')
        settings.dnd = { ...settings.dnd, ...(value as AppSettings['dnd']) };
      if (r.key === 'accountNotify' && value && typeof value === 'object')
        settings.accountNotify = value as AppSettings['accountNotify'];
    } catch {
      // keep the default
    }
  }
  return settings;
}
