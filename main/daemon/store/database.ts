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

export interface OpenOptions {
  readonly?: boolean;
  /** Apply only up to this version (tests of upgrades from earlier versions). */
  targetVersion?: number;
  migrations?: readonly Migration[];
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
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
