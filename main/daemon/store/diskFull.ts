// A full disk, as SQLite and Node report it. Writing stops cleanly (SQLite
// rolls the transaction back; a blob's temp file is removed), so nothing is
// half-stored: the account waits, says so, and tries again.

/** Whether the error says the disk (or the user's quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export const DISK_FULL_MESSAGE =
  'The disk is full: nothing new can be stored. Free some space; Parley goes on by itself.';
