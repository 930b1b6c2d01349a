// App-wide settings (the `settings` table): one JSON value per key, written by
// settings.set and read back through the caller's schema. A value that no
// longer parses (hand-edited, or from an older shape) reads as absent, so the
// caller's default applies and nothing fails.
import type { z } from 'zod';
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

/** The stored value of `key` if it parses with `schema`; null when absent or malformed. */
export function readSetting<T>(db: ReadDb, key: string, schema: z.ZodType<T>): T | null {
  const text = statement(db, `SELECT value_json FROM settings WHERE key = ?`).pluck().get(key) as
    string | undefined;
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Stores `value` under `key`, replacing what was there. */
export function writeSetting(db: WriteDb, key: string, value: unknown): void {
  statement(
    db,
    `INSERT INTO settings (key, value_json) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
  ).run(key, JSON.stringify(value));
}
