// Copies of the profile's database: the automatic ones in <profile>/backups/
// (made online with SQLite's backup API, so sync keeps writing meanwhile, and
// rotated), and putting one back in place of a damaged database.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { checkDatabaseFile, toRollbackJournal, type Db } from './database.js';

export const BACKUP_DIR = 'backups';
export const DATABASE_FILE = 'parley.db';

/** An automatic backup: parley-20240115T090000Z.db (UTC, so names sort by age). */
const BACKUP_NAME = /^parley-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.db$/;

export interface BackupInfo {
  /** The file name in <profile>/backups/. */
  name: string;
  path: string;
  /** When it was made (ms), from its name. */
  createdAt: number;
  size: number;
}

export function backupName(at: number): string {
  const iso = new Date(at).toISOString(); // 2024-01-15T09:00:00.000Z
  return `parley-${iso.slice(0, 19).replace(/[-:]/g, '')}Z.db`;
}

/** The automatic backups, newest first. */
export function listBackups(profileDir: string): BackupInfo[] {
  const dir = join(profileDir, BACKUP_DIR);
  if (!existsSync(dir)) return [];
  const found: BackupInfo[] = [];
  for (const name of readdirSync(dir)) {
    const m = BACKUP_NAME.exec(name);
    if (!m) continue;
    const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
    const path = join(dir, name);
    found.push({
      name,
      path,
      createdAt: Date.UTC(y!, mo! - 1, d!, h!, mi!, s!),
      size: statSync(path).size,
    });
  }
  return found.sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Copies the open database to `dest` with SQLite's online backup API: a few
 * pages per step, between which the connection's other work (sync writes,
 * API calls) goes on; writes made meanwhile through this connection are
 * carried into the copy. The copy appears under its name only when complete.
 */
export async function backupDatabase(
  db: Db,
  dest: string,
  options: { verify?: boolean } = {},
): Promise<void> {
  const partial = `${dest}.partial`;
  rmSync(partial, { force: true });
  try {
    await db.backup(partial);
    // One self-contained file. The full check of the copy is a blocking scan,
    // so the daemon's daily backups skip it (a restore checks the copy it
    // uses, and falls back to an older one); `parley backup` checks.
    if (options.verify) checkDatabaseFile(partial);
    else toRollbackJournal(partial);
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Makes an automatic backup in <profile>/backups/ and keeps the newest `keep`
 * (the new one included). Returns the new backup.
 */
export async function takeAutomaticBackup(
  db: Db,
  profileDir: string,
  options: { keep: number; now?: number },
): Promise<BackupInfo> {
  const dir = join(profileDir, BACKUP_DIR);
  mkdirSync(dir, { recursive: true });
  const name = backupName(options.now ?? Date.now());
  await backupDatabase(db, join(dir, name));
  const all = listBackups(profileDir);
  for (const old of all.slice(Math.max(1, options.keep))) rmSync(old.path, { force: true });
  return all.find((b) => b.name === name)!;
}

/** The newest automatic backup that passes the check, or null. */
export function newestGoodBackup(profileDir: string): BackupInfo | null {
  for (const backup of listBackups(profileDir)) {
    try {
      checkDatabaseFile(backup.path);
      return backup;
    } catch {
      // A damaged backup is skipped; an older one may be fine.
    }
  }
  return null;
}

/**
 * Puts a copy of `source` (a backup) in place of the profile's database,
 * which must not be open. The database it replaces is kept beside it as
 * parley.db.replaced-<time> (with its WAL), never deleted: it may still hold
 * something worth rescuing. Throws, changing nothing, when `source` itself
 * does not pass the check.
 */
export function restoreDatabaseFile(profileDir: string, source: string, now = Date.now()): void {
  checkDatabaseFile(source);
  const target = join(profileDir, DATABASE_FILE);
  const incoming = `${target}.restoring`;
  copyFileSync(source, incoming);
  const aside = `${target}.replaced-${backupName(now).slice(7, -3)}`;
  // The WAL and shared-memory files belong to the old database: left in place
  // they would be replayed into the restored one.
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(target + suffix)) renameSync(target + suffix, aside + suffix);
  renameSync(incoming, target);
}
