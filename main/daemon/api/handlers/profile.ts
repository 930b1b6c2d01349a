// The profile itself: whether its database opened, and its automatic backups.
// (A daemon whose database is damaged answers these from openDaemon.ts.)
import { ApiError, type BackupView } from '../contract.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { listBackups, type BackupInfo } from '../../store/backups.js';
import { exportChats } from '../../profile/export.js';
import { markedProblems } from '../../profile/integrity.js';
import type { HandlerContext, Handlers } from './context.js';

export const backupView = ({ name, createdAt, size }: BackupInfo): BackupView => ({
  name,
  createdAt,
  size,
});

export function profileHandlers(ctx: HandlerContext) {
  const { store } = ctx;
  return {
    'profile.health': () => {
      // Damage the background check found while running: a restore needs a restart.
      const problems = markedProblems(store.profileDir);
      return {
        database: problems ? ('damaged' as const) : ('ok' as const),
        detail: problems
          ? `The database check found damage (${problems[0]}). Quit and reopen Parley to restore a backup.`
          : null,
        backups: listBackups(store.profileDir).map(backupView),
      };
    },
    'profile.restoreBackup': () => {
      throw new ApiError(
        'conflict',
        markedProblems(store.profileDir)
          ? 'the database is in use: quit and reopen Parley, which then offers the backup'
          : 'the database is not damaged; to go back to a backup, quit Parley and run "parley restore FILE"',
      );
    },
    'export.chats': ({ chatId, formats, to }) => {
      const chats =
        chatId === undefined
          ? [...store.read.chats({}), ...store.read.chats({ archived: true })]
          : [store.read.chat(chatId)].filter((c) => c !== null);
      if (chatId !== undefined && chats.length === 0)
        throw new ApiError('not_found', `no chat ${chatId}`);
      return exportChats(
        store,
        chats.sort((a, b) => a.id - b.id),
        to ?? defaultExportDir(store.profileDir),
        formats,
      );
    },
  } satisfies Partial<Handlers>;
}

/** A new folder in Downloads (or the profile's exports/ where there is none), named by the time. */
function defaultExportDir(profileDir: string): string {
  const downloads = join(homedir(), 'Downloads');
  const parent = existsSync(downloads) ? downloads : join(profileDir, 'exports');
  const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/:/g, '');
  let dir = join(parent, `Parley export ${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = join(parent, `Parley export ${stamp} (${n})`);
  return dir;
}
