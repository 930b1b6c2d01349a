export interface Migration {
  /** Consecutive from 1; the database's PRAGMA user_version is the last one applied. */
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
}
