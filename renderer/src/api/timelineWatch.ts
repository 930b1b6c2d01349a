// Tells the daemon which chats this window's timelines show (timeline.watch),
// so that it sends message deltas for those chats only; every other chat's
// changes arrive as its chat-list row. Several timelines may be mounted at
// once: the daemon hears their union, and only when it changes (or when a
// reconnect means the daemon has forgotten it).
import type { ParleyClient } from '../../../main/daemon/api/contract.js';

/** The transport (IPC, web socket) replaces this by its connection's own name. */
const WATCHER = 'window';

/** Per client: each mounted timeline (by a token it holds) and the chat it shows. */
const shownBy = new WeakMap<ParleyClient, Map<object, number>>();

function union(shown: Map<object, number>): number[] {
  return [...new Set(shown.values())].sort((a, b) => a - b);
}

/**
 * Records that the timeline holding `token` shows `chatId` (null: nothing
 * any more), and tells the daemon when the window's set changed, or always
 * with `again` (after a reconnect). Call it before reading the chat's messages:
 * the daemon answers calls in order, so no change falls between the read and
 * the watch. A failed watch only costs live updates until the next one.
 */
export function watchTimeline(
  client: ParleyClient,
  token: object,
  chatId: number | null,
  again = false,
): void {
  let shown = shownBy.get(client);
  if (!shown) shownBy.set(client, (shown = new Map()));
  const before = union(shown);
  if (chatId === null) shown.delete(token);
  else shown.set(token, chatId);
  const after = union(shown);
  if (!again && before.length === after.length && before.every((id, i) => id === after[i])) return;
  client.call('timeline.watch', { watcher: WATCHER, chatIds: after }).catch(() => undefined);
}
