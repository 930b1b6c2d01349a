// The full check of the database (PRAGMA quick_check) reads every page: 2 s
// at 100k messages on a small machine, far too long for startup. The daemon
// runs it in a worker thread on its own read-only connection once it has
// started (WAL lets it read while sync writes). Damage it finds is written to
// <profile>/damaged.json, so the next start confirms it before opening and
// offers a backup (openDaemon.ts).
import { Worker } from 'node:worker_threads';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export const DAMAGE_MARKER = 'damaged.json';

// Plain JavaScript: the worker needs nothing of ours.
const CHECKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
let problems;
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  try {
    problems = db.pragma('quick_check(10)').map((r) => r.quick_check);
  } finally {
    db.close();
  }
} catch (err) {
  problems = String(err && err.code).startsWith('SQLITE_CORRUPT') || (err && err.code) === 'SQLITE_NOTADB'
    ? [err.message] : null;
}
parentPort.postMessage(problems);
`;

/**
 * The check's problems, [] when the database is fine, or null when it could
 * not run or was stopped. `stop` (the daemon closing) ends the worker, and the
 * promise settles once the thread has exited, so its connection no longer
 * holds the file: a closed profile can be removed or replaced (Windows keeps
 * an open file from both) without the checker opening it again a moment
 * later. A check already inside SQLite finishes its call first.
 */
export function checkInBackground(file: string, stop?: AbortSignal): Promise<string[] | null> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve(null);
    const worker = new Worker(CHECKER, {
      eval: true,
      workerData: { file, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    let found: string[] | null = null;
    worker.once('message', (problems: string[] | null) => {
      found = problems && problems.length === 1 && problems[0] === 'ok' ? [] : problems;
      void worker.terminate();
    });
    worker.once('error', () => void worker.terminate());
    worker.once('exit', () => {
      stop?.removeEventListener('abort', end);
      resolve(found);
    });
    const end = () => void worker.terminate();
    stop?.addEventListener('abort', end, { once: true });
  });
}

export function markDamaged(profileDir: string, problems: string[]): void {
  writeFileSync(
    join(profileDir, DAMAGE_MARKER),
    `${JSON.stringify({ foundAt: new Date().toISOString(), problems })}\n`,
  );
}

export function damageMarked(profileDir: string): boolean {
  return existsSync(join(profileDir, DAMAGE_MARKER));
}

export function clearDamageMark(profileDir: string): void {
  rmSync(join(profileDir, DAMAGE_MARKER), { force: true });
}

/** What the marker says, for profile.health. */
export function markedProblems(profileDir: string): string[] | null {
  try {
    const { problems } = JSON.parse(readFileSync(join(profileDir, DAMAGE_MARKER), 'utf8')) as {
      problems: string[];
    };
    return problems;
  } catch {
    return null;
  }
}
