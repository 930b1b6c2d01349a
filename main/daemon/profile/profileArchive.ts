// `parley backup` and `parley restore`: the whole profile — the database and
// its blobs — as one tar file, never its secrets (they stay in the keychain,
// or in secrets.json, which is left out). The database is copied online with
// SQLite's backup API, so the app may keep running during a backup.
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { openDatabase, schemaVersion, DatabaseTooNewError } from '../store/database.js';
import { LATEST_VERSION } from '../store/migrations/index.js';
import { backupDatabase, DATABASE_FILE, restoreDatabaseFile } from '../store/backups.js';
import { SHA256_PATTERN, writeBlobFile } from '../store/blobFiles.js';
import { readTar, TarWriter } from './tar.js';

export const ARCHIVE_FORMAT = 'parley-backup';

interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  version: 1;
  createdAt: string;
  schemaVersion: number;
  blobs: number;
}

export interface ArchiveSummary {
  file: string;
  blobs: number;
  bytes: number;
}

/** Every blob file of the profile: blobs/ab/<sha256>. */
function blobFiles(profileDir: string): { name: string; path: string; size: number }[] {
  const root = join(profileDir, 'blobs');
  if (!existsSync(root)) return [];
  const out: { name: string; path: string; size: number }[] = [];
  for (const prefix of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue; // tmp/ holds unfinished writes
    for (const sha of readdirSync(join(root, prefix))) {
      if (!SHA256_PATTERN.test(sha)) continue;
      const path = join(root, prefix, sha);
      out.push({ name: `blobs/${prefix}/${sha}`, path, size: statSync(path).size });
    }
  }
  return out;
}

/** Writes the profile to `file` (which must not exist yet). */
export async function backupProfile(profileDir: string, file: string): Promise<ArchiveSummary> {
  if (!existsSync(join(profileDir, DATABASE_FILE)))
    throw new Error(`no Parley profile in ${profileDir}`);
  if (existsSync(file)) throw new Error(`${file} already exists`);
  const partial = `${file}.partial-${randomBytes(4).toString('hex')}`;
  const dbCopy = `${partial}.db`;
  const db = openDatabase(join(profileDir, DATABASE_FILE));
  try {
    await backupDatabase(db, dbCopy, { verify: true });
    const version = schemaVersion(db);
    const blobs = blobFiles(profileDir);
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      schemaVersion: version,
      blobs: blobs.length,
    };
    const tar = new TarWriter(partial);
    await tar.addBuffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await tar.addFile(DATABASE_FILE, dbCopy, statSync(dbCopy).size);
    for (const b of blobs) await tar.addFile(b.name, b.path, b.size);
    await tar.close();
    renameSync(partial, file);
    return { file, blobs: blobs.length, bytes: statSync(file).size };
  } finally {
    db.close();
    rmSync(partial, { force: true });
    rmSync(dbCopy, { force: true });
  }
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    return head.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts a backup in place of the profile's database, which must not be in use
 * (Parley closed). `file` is what `parley backup` wrote (the database and its
 * blobs), or an automatic backup from <profile>/backups/ (the database only).
 * Every blob is checked against its hash as it is written; the database
 * replaced is kept beside the new one. Returns how many blobs it added.
 */
export async function restoreProfile(profileDir: string, file: string): Promise<{ blobs: number }> {
  if (!existsSync(file)) throw new Error(`no file ${file}`);
  mkdirSync(profileDir, { recursive: true });
  if (isSqliteFile(file)) {
    refuseNewer(file);
    restoreDatabaseFile(profileDir, file);
    return { blobs: 0 };
  }
  const staging = join(profileDir, `.restore-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging);
  try {
    let manifest: Manifest | null = null;
    let blobs = 0;
    let sawDatabase = false;
    for await (const entry of readTar(file)) {
      if (!manifest) {
        if (entry.name !== 'manifest.json') throw new Error('not a Parley backup: no manifest');
        manifest = await readManifest(entry.open());
        continue;
      }
      if (entry.name === DATABASE_FILE) {
        await writeWhole(entry.open(), join(staging, DATABASE_FILE));
        sawDatabase = true;
      } else if (/^blobs\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(entry.name)) {
        const sha = basename(entry.name);
        // Into the blob store as any blob: hashed while written, so a damaged
        // archive cannot put wrong bytes under a name.
        const written = await writeBlobFile(join(profileDir, 'blobs'), entry.open());
        if (written.sha256 !== sha) throw new Error(`damaged blob in the backup: ${sha}`);
        blobs++;
      } else {
        throw new Error(`not a Parley backup: unexpected entry ${entry.name.slice(0, 80)}`);
      }
    }
    if (!manifest || !sawDatabase) throw new Error('not a Parley backup: no database in it');
    if (blobs !== manifest.blobs)
      throw new Error(`the backup is incomplete: ${blobs} of ${manifest.blobs} blobs`);
    refuseNewer(join(staging, DATABASE_FILE));
    restoreDatabaseFile(profileDir, join(staging, DATABASE_FILE));
    return { blobs };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function readManifest(stream: NodeJS.ReadableStream): Promise<Manifest> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Manifest>;
  if (m.format !== ARCHIVE_FORMAT || m.version !== 1 || typeof m.blobs !== 'number')
    throw new Error('not a Parley backup: unknown manifest');
  return m as Manifest;
}

async function writeWhole(stream: NodeJS.ReadableStream, target: string): Promise<void> {
  await pipeline(stream, createWriteStream(target, { flags: 'wx' }));
}

/** A backup from a newer Parley is refused before anything is replaced. */
function refuseNewer(dbFile: string): void {
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const found = schemaVersion(db);
    if (found > LATEST_VERSION) throw new DatabaseTooNewError(found, LATEST_VERSION);
  } finally {
    db.close();
  }
}
