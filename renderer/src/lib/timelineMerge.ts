// A loaded stretch of a chat's timeline, oldest first, and how pages and live
// refreshes fold into it. Message ids grow with time within a chat.
import type { MessageView } from '../../../main/daemon/model/types.js';

/** Older messages (a page, newest first as the daemon returns it) go on top. */
export function prependOlder(
  current: MessageView[],
  pageNewestFirst: MessageView[],
): MessageView[] {
  const oldest = current[0]?.id ?? Number.POSITIVE_INFINITY;
  const older = pageNewestFirst.filter((m) => m.id < oldest).reverse();
  return older.length === 0 ? current : [...older, ...current];
}

/**
 * Folds in a fresh read of the newest messages (newest first, `limit` asked).
 * Everything at or above the oldest id of that read is replaced by it — so edits
 * show, and local echoes that the server copy replaced disappear. A short read
 * reached the start of the chat and replaces everything.
 */
export function mergeNewest(
  current: MessageView[],
  pageNewestFirst: MessageView[],
  limit: number,
): MessageView[] {
  const reachedStart = pageNewestFirst.length < limit;
  const boundary = reachedStart
    ? Number.NEGATIVE_INFINITY
    : pageNewestFirst[pageNewestFirst.length - 1]!.id;
  const kept = current.filter((m) => m.id < boundary);
  return [...kept, ...[...pageNewestFirst].reverse()];
}

/** How many newest messages to re-read so the refresh covers every changed id we hold. */
export function refreshSpan(current: MessageView[], changedIds: number[], max: number): number {
  const lowest = Math.min(...changedIds);
  const atOrAbove = current.filter((m) => m.id >= lowest).length;
  return Math.max(1, Math.min(max, atOrAbove + changedIds.length + 1));
}
