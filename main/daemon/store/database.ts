// Opens the profile's database: WAL, one writer (this connection), migrations
// applied forward-only, and a clear refusal of a database from a newer Parley.
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations/index.js';

/** The raw connection: only store/ and migrations see it untyped. */
export type Db = Database.Database;

declare const readBrand: unique symbol;
declare const writeBrand: unique symbol;

/**
 * The connection as a reader. Store functions that only read take this type,
 * so they say so in their signature and cannot be given the write handle by
 * mistake (the two brands do not convert into each other).
 */
export type ReadDb = Db & { readonly [readBrand]: true };

/**
 * The one writer connection (WAL allows one writer). Functions that write take
 * this type; a ReadDb cannot be passed to them.
 */
export type WriteDb = Db & { readonly [writeBrand]: true };

/** Names an opened read-write connection as the store's write handle. */
export const asWriteDb = (db: Db): WriteDb => db as WriteDb;

/**
 * The reader over the same connection as the writer. One connection keeps
 * every read consistent with the writes just made (no WAL snapshot lag) and
 * costs nothing; a separate read-only connection can replace this later
 * without changing a signature.
 */
export const readerOf = (db: WriteDb): ReadDb => db as Db as ReadDb;

export class DatabaseTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `This profile's database was written by a newer Parley (schema version ${found}; ` +
        `this version understands up to ${supported}). Update Parley to open it; ` +
        `nothing was changed.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/**
 * The database file is damaged: SQLite's quick check found problems, or the
 * file is not a database at all. Nothing was changed; the user can restore a
 * backup (store/backups.ts) or try to rescue what is readable.
 */
export class DatabaseCorruptError extends Error {
  constructor(
    readonly file: string,
    /** What the check said (its first lines), or SQLite's error. */
    readonly problems: string[],
  ) {
    super(
      `This profile's database is damaged (${problems[0] ?? 'unknown problem'}` +
        `${problems.length > 1 ? `, and ${problems.length - 1} more problems` : ''}). ` +
        `Nothing was changed; restore a backup to go on.`,
    );
    this.name = 'DatabaseCorruptError';
  }
}

/** SQLite's answers that mean the file itself is damaged, not that we used it wrong. */
const DAMAGE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX']);

/** Whether an error from SQLite says the database file is damaged. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (DAMAGE_CODES.has(code) || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * PRAGMA quick_check: the pages, the b-trees and their records, without
 * matching every index entry to its row (integrity_check's costly part).
 * Throws DatabaseCorruptError listing at most 10 problems.
 */
export function quickCheck(db: Db, file: string): void {
  let rows: string[];
  try {
    rows = (db.pragma('quick_check(10)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (err) {
    if (isDamage(err)) throw new DatabaseCorruptError(file, [(err as Error).message]);
    throw err;
  }
  if (rows.length !== 1 || rows[0] !== 'ok') throw new DatabaseCorruptError(file, rows);
}

/** Reads the header and the schema: what every open needs anyway, so it costs nothing. */
export function schemaCheck(db: Db, file: string): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    if (isDamage(err)) throw new DatabaseCorruptError(file, [(err as Error).message]);
    throw err;
  }
}

/**
 * Checks a database file that is not in use (a backup, one about to be
 * restored): it opens, and quick_check finds nothing. Leaves it in rollback
 * journal mode, one self-contained file.
 */
export function checkDatabaseFile(file: string): void {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    if (isDamage(err)) throw new DatabaseCorruptError(file, [(err as Error).message]);
    throw err;
  }
  try {
    try {
      db.pragma('journal_mode = DELETE');
    } catch (err) {
      if (isDamage(err)) throw new DatabaseCorruptError(file, [(err as Error).message]);
      throw err;
    }
    quickCheck(db, file);
  } finally {
    db.close();
  }
}

/** Switches a closed database file to rollback journal mode: one file, no -wal beside it. */
export function toRollbackJournal(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Skip the check of the header and schema at open. */
  skipCheck?: boolean;
  /** Also run the full quick_check at open (slow on a big database). */
  fullCheck?: boolean;
  /** Apply only up to this version (tests of upgrades from earlier versions). */
  targetVersion?: number;
  migrations?: readonly Migration[];
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    // A file that is not a database, or whose header or schema is damaged, is
    // found here, before any write (switching to WAL included) could make it
    // worse. The full quick_check reads every page (2 s at 100k messages), so
    // the daemon runs it in the background once started (profile/integrity.ts),
    // and openDaemon() runs it here when the last run found damage.
    if (!options.skipCheck) schemaCheck(db, file);
    if (options.fullCheck) quickCheck(db, file);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode is durable against application crashes (the case we
      // guard); only an OS crash can lose the last transactions, never corrupt.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    }
    db.pragma('cache_size = -32000');
    db.pragma('temp_store = MEMORY');
    const migrations = options.migrations ?? MIGRATIONS;
    const supported = migrations.length;
    const current = schemaVersion(db);
    if (current > supported) throw new DatabaseTooNewError(current, supported);
    if (!options.readonly) migrate(db, migrations, options.targetVersion ?? LATEST_VERSION);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[], target: number): void {
  const from = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= from || m.version > target) continue;
    // Each migration and its version bump are one transaction: a crash leaves
    // the database at the previous version, never half-migrated.
    db.transaction(() => {
      db.exec(m.up);
      m.after?.(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
