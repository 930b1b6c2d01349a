import type Database from 'better-sqlite3';

export interface Migration {
  /** Consecutive from 1; the database's PRAGMA user_version is the last one applied. */
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
  /** Work SQL alone cannot do (e.g. indexing through JS), in the same transaction. */
  after?: (db: Database.Database) => void;
}
