// Prepared statements cached per connection, for the store's plain query
// functions: they are called with a handle, not built once in a constructor,
// so the first call prepares and later calls reuse the statement.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

const statements = new WeakMap<Db, Map<string, Statement>>();

/** The statement for `sql` on this connection, prepared on first use. */
export function statement(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s;
}
