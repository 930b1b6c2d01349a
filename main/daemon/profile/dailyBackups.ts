// Automatic backups: once a day the daemon copies its database to
// <profile>/backups/ with SQLite's online backup API (store/backups.ts) and
// keeps the last few. It runs in the daemon's own thread between other work,
// so sync never stops for it.
import { listBackups, takeAutomaticBackup, type BackupInfo } from '../store/backups.js';
import type { Db } from '../store/database.js';

export interface DailyBackupOptions {
  /** How old the newest backup may get before the next is made (default a day). */
  intervalMs?: number;
  /** How many backups to keep (default 7: a week of days). */
  keep?: number;
  /** How often to look whether one is due (default hourly; a laptop that slept catches up). */
  checkEveryMs?: number;
  /** The first look, after the daemon starts (default 2 minutes: startup is busy enough). */
  firstCheckAfterMs?: number;
  now?: () => number;
}

export const DAY_MS = 24 * 60 * 60_000;

export class DailyBackups {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<BackupInfo | null> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly keep: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly profileDir: string,
    private readonly options: DailyBackupOptions = {},
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.intervalMs = options.intervalMs ?? DAY_MS;
    this.keep = options.keep ?? 7;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule(this.options.firstCheckAfterMs ?? 2 * 60_000);
  }

  /** Makes a backup when the newest is older than the interval; resolves with it, or null. */
  runIfDue(): Promise<BackupInfo | null> {
    if (this.running) return this.running;
    const newest = listBackups(this.profileDir)[0];
    if (this.stopped || (newest && this.now() - newest.createdAt < this.intervalMs))
      return Promise.resolve(null);
    this.running = takeAutomaticBackup(this.db, this.profileDir, {
      keep: this.keep,
      now: this.now(),
    })
      .then(
        (made) => {
          this.log(`backup: ${made.name} (${made.size} bytes)`);
          return made;
        },
        (err: unknown) => {
          // A failed backup (a full disk) is tried again at the next look.
          this.log(`backup failed: ${(err as Error).message.split('\n')[0]}`);
          return null;
        },
      )
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Stops looking and waits for a backup under way (the database must outlive it). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.runIfDue().finally(() => {
        if (!this.stopped) this.schedule(this.options.checkEveryMs ?? 60 * 60_000);
      });
    }, delayMs);
    this.timer.unref();
  }
}
