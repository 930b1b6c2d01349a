// Opens the daemon on a profile, or, when the profile's database is damaged,
// a stand-in that says so and can restore an automatic backup: the app then
// shows what happened and offers the way back instead of failing to start.
import { Daemon, type DaemonOptions } from './daemon.js';
import { ApiServer } from './api/apiServer.js';
import { ApiError, type ApiResult, type DaemonEvent } from './api/contract.js';
import { backupView } from './api/handlers/profile.js';
import { DatabaseCorruptError } from './store/database.js';
import {
  listBackups,
  newestGoodBackup,
  restoreDatabaseFile,
  type BackupInfo,
} from './store/backups.js';
import { checkDatabaseFile, isDamage, openDatabase } from './store/database.js';
import { DATABASE_FILE } from './store/backups.js';
import { clearDamageMark, damageMarked } from './profile/integrity.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What the hosts use of a daemon. */
export interface DaemonApi {
  call(name: unknown, input: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function openDaemon(options: DaemonOptions): DaemonApi {
  try {
    // The last run's background check found damage: confirm it with the
    // full check before opening (a false alarm, or a file restored by hand,
    // opens as usual).
    if (damageMarked(options.profileDir)) {
      const file = join(options.profileDir, DATABASE_FILE);
      if (existsSync(file)) openDatabase(file, { fullCheck: true, readonly: true }).close();
      clearDamageMark(options.profileDir);
    }
    return new Daemon(options);
  } catch (err) {
    if (err instanceof DatabaseCorruptError) return new DamagedProfile(options, err);
    // Damage met while opening (a table read at startup) is the same story.
    if (isDamage(err))
      return new DamagedProfile(
        options,
        new DatabaseCorruptError(join(options.profileDir, DATABASE_FILE), [(err as Error).message]),
      );
    throw err;
  }
}

/**
 * A profile whose database did not pass the check at startup. It answers
 * profile.health (damaged, with the backups) and profile.restoreBackup;
 * every other call is `unavailable`. After a restore it opens the daemon and
 * is that daemon from then on (the same subscribers; sync starts if the host
 * asked for it).
 */
export class DamagedProfile implements DaemonApi {
  private daemon: Daemon | null = null;
  private startAsked = false;
  private readonly listeners = new Set<(event: DaemonEvent) => void>();
  private readonly api: ApiServer;
  private readonly log: (line: string) => void;

  constructor(
    private readonly options: DaemonOptions,
    private readonly damage: DatabaseCorruptError,
  ) {
    this.log = options.log ?? (() => undefined);
    this.log(`database damaged: ${damage.problems.slice(0, 3).join('; ')}`);
    this.api = new ApiServer(
      {
        'profile.health': () => ({
          database: 'damaged' as const,
          detail: this.damage.message,
          backups: listBackups(this.options.profileDir).map(backupView),
        }),
        'profile.restoreBackup': ({ name }) => ({ restored: backupView(this.restore(name)) }),
      },
      this.log,
      'the database is damaged: restore a backup first (profile.restoreBackup)',
    );
  }

  call(name: unknown, input: unknown): Promise<ApiResult<unknown>> {
    return this.daemon ? this.daemon.call(name, input) : this.api.call(name, input);
  }

  subscribe(listener: (event: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    this.startAsked = true;
    return this.daemon?.start() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await this.daemon?.close();
  }

  private restore(name: string | undefined): BackupInfo {
    const { profileDir } = this.options;
    let backup: BackupInfo | null;
    if (name === undefined) {
      backup = newestGoodBackup(profileDir);
      if (!backup) throw new ApiError('not_found', 'there is no usable automatic backup');
    } else {
      backup = listBackups(profileDir).find((b) => b.name === name) ?? null;
      if (!backup) throw new ApiError('not_found', `no backup named ${name}`);
      try {
        checkDatabaseFile(backup.path);
      } catch (err) {
        throw new ApiError('conflict', `that backup is damaged too: ${(err as Error).message}`);
      }
    }
    restoreDatabaseFile(profileDir, backup.path);
    clearDamageMark(profileDir);
    this.daemon = new Daemon(this.options);
    this.daemon.subscribe((event) => {
      for (const l of this.listeners) l(event);
    });
    this.log(`restored the backup ${backup.name}`);
    if (this.startAsked) void this.daemon.start();
    return backup;
  }
}
