// The profile itself: whether its database opened, and its automatic backups.
// (A daemon whose database is damaged answers these from openDaemon.ts.)
import { ApiError, type BackupView } from '../contract.js';
import { listBackups, type BackupInfo } from '../../store/backups.js';
import type { HandlerContext, Handlers } from './context.js';

export const backupView = ({ name, createdAt, size }: BackupInfo): BackupView => ({
  name,
  createdAt,
  size,
});

export function profileHandlers(ctx: HandlerContext) {
  const { store } = ctx;
  return {
    'profile.health': () => ({
      database: 'ok' as const,
      detail: null,
      backups: listBackups(store.profileDir).map(backupView),
    }),
    'profile.restoreBackup': () => {
      throw new ApiError(
        'conflict',
        'the database is not damaged; to go back to a backup, quit Parley and run "parley restore FILE"',
      );
    },
  } satisfies Partial<Handlers>;
}
