// A loaded stretch of a chat's timeline, oldest first, and how pages and live
// refreshes fold into it. Message ids grow with time within a chat. The
// stretch is a window: it may stop short of the chat's start (hasOlder) and,
// after a jump to an old message, short of its newest message (hasNewer).
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

/** Newer messages (a messages.page afterId page, newest first) go below. */
export function appendNewer(current: MessageView[], pageNewestFirst: MessageView[]): MessageView[] {
  const newest = current[current.length - 1]?.id ?? Number.NEGATIVE_INFINITY;
  const newer = pageNewestFirst.filter((m) => m.id > newest).reverse();
  return newer.length === 0 ? current : [...current, ...newer];
}

export interface TimelineWindow {
  /** Oldest first. */
  messages: MessageView[];
  hasOlder: boolean;
  hasNewer: boolean;
}

/**
 * Keeps a window to at most `max` messages, dropping from the far side of the
 * way the reader goes: loading older pages (`toward: 'older'`) drops the
 * newest, which then count as not loaded (hasNewer) and load again on the way
 * back; loading newer pages drops the oldest (hasOlder). So memory and the
 * rows to lay out stay bounded however far one scrolls.
 */
export function boundWindow(
  win: TimelineWindow,
  max: number,
  toward: 'older' | 'newer',
): TimelineWindow {
  const { messages } = win;
  if (messages.length <= max) return win;
  return toward === 'older'
    ? { messages: messages.slice(0, max), hasOlder: win.hasOlder, hasNewer: true }
    : { messages: messages.slice(messages.length - max), hasOlder: true, hasNewer: win.hasNewer };
}

/**
 * The window a messages.around read (newest first, `before` and `after` asked)
 * opens on. A full side may have more beyond it; a short side reached the
 * start or the newest message.
 */
export function windowAround(
  aroundNewestFirst: MessageView[],
  messageId: number,
  before: number,
  after: number,
): TimelineWindow {
  const newer = aroundNewestFirst.filter((m) => m.id > messageId).length;
  const older = aroundNewestFirst.filter((m) => m.id < messageId).length;
  return {
    messages: [...aroundNewestFirst].reverse(),
    hasOlder: older >= before,
    hasNewer: newer >= after,
  };
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

/**
 * Folds a re-read of changed messages into the loaded stretch: known ones are
 * replaced in place, ones that are gone are dropped, and new ones newer than
 * the oldest loaded message (or any, when the start of the chat is loaded) go
 * in by id. Older ones stay out: paging brings them. So do ones newer than the
 * newest loaded message while the window stops short of the newest (hasNewer):
 * loading newer pages brings them, without a gap.
 */
export function applyUpserts(
  current: MessageView[],
  requestedIds: readonly number[],
  fetched: readonly MessageView[],
  hasOlder: boolean,
  hasNewer = false,
): MessageView[] {
  const byId = new Map(fetched.map((m) => [m.id, m]));
  const missing = new Set(requestedIds.filter((id) => !byId.has(id)));
  const oldest = current[0]?.id ?? Number.NEGATIVE_INFINITY;
  const newest = current[current.length - 1]?.id ?? Number.POSITIVE_INFINITY;
  const held = new Set(current.map((m) => m.id));
  let changed = false;
  const next: MessageView[] = [];
  for (const m of current) {
    if (missing.has(m.id)) {
      changed = true;
      continue;
    }
    const fresh = byId.get(m.id);
    if (fresh) changed = true;
    next.push(fresh ?? m);
  }
  const added = fetched.filter(
    (m) => !held.has(m.id) && (!hasOlder || m.id > oldest) && (!hasNewer || m.id < newest),
  );
  if (added.length === 0) return changed ? next : current;
  return [...next, ...added].sort((a, b) => a.id - b.id);
}

/**
 * Folds a `messages.upserted` delta (the current views of changed messages)
 * into the window: by the rules of applyUpserts, with every view at hand.
 */
export function foldUpserted(win: TimelineWindow, views: readonly MessageView[]): MessageView[] {
  return applyUpserts(
    win.messages,
    views.map((m) => m.id),
    views,
    win.hasOlder,
    win.hasNewer,
  );
}

/** Folds a `messages.removed` delta into the window: those rows go. */
export function foldRemoved(win: TimelineWindow, messageIds: readonly number[]): MessageView[] {
  return applyUpserts(win.messages, messageIds, [], win.hasOlder, win.hasNewer);
}

/**
 * Whether a delta that carried only the newest of its changes (`more`) may
 * have left out some of what the window shows. What it left out is older than
 * everything it carried: that matters only where the window reaches below
 * it, or holds the chat from its start. History filling in far below the
 * window (backfill) does not.
 */
export function partialDeltaReaches(win: TimelineWindow, views: readonly MessageView[]): boolean {
  if (!win.hasOlder || views.length === 0) return true;
  const oldestCarried = Math.min(...views.map((m) => m.id));
  const oldestHeld = win.messages[0]?.id ?? Number.NEGATIVE_INFINITY;
  return oldestCarried > oldestHeld;
}
