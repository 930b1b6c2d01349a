// Tells the daemon which chats this window's timelines show (timeline.watch),
// so that it sends message deltas for those chats only; every other chat's
// changes arrive as its chat-list row. Several timelines may be mounted at
// once: the daemon hears their union, and only when it differs from what it
// was last told (or when a reconnect means the daemon has forgotten it).
import type { ParleyClient } from '../../../main/daemon/api/contract.js';

/** The transport (IPC, web socket) replaces this by its connection's own name. */
const WATCHER = 'window';

interface Watches {
  /** Each mounted timeline (by a token it holds) and the chat it shows. */
  shown: Map<object, number>;
  /** The set the daemon was last sent ('' before the first). */
  told: string;
  /** A removal's send is waiting for the end of the current task's work. */
  flushQueued: boolean;
}

const byClient = new WeakMap<ParleyClient, Watches>();

function union(shown: Map<object, number>): number[] {
  return [...new Set(shown.values())].sort((a, b) => a - b);
}

function watchesOf(client: ParleyClient): Watches {
  let w = byClient.get(client);
  if (!w) byClient.set(client, (w = { shown: new Map(), told: '', flushQueued: false }));
  return w;
}

function send(client: ParleyClient, w: Watches, force: boolean): void {
  const chatIds = union(w.shown);
  const key = chatIds.join(',');
  if (!force && key === w.told) return;
  w.told = key;
  client.call('timeline.watch', { watcher: WATCHER, chatIds }).catch(() => undefined);
}

/**
 * Records that the timeline holding `token` shows `chatId` (null: nothing
 * any more), and tells the daemon when the window's set changed, or always
 * with `again` (after a reconnect). Call it before reading the chat's messages:
 * the daemon answers calls in order, so no change falls between the read and
 * the watch. A failed watch only costs live updates until the next one.
 *
 * A timeline that goes away is told in a microtask, not at once: opening
 * another chat unmounts the old conversation (its timeline shows nothing)
 * and mounts the new one in the same commit, and the daemon should hear one
 * change, [new], not [] and then [new] (two calls on every opening).
 */
export function watchTimeline(
  client: ParleyClient,
  token: object,
  chatId: number | null,
  again = false,
): void {
  const w = watchesOf(client);
  if (chatId !== null) {
    // Shown now: the daemon must hear it before the read that follows.
    w.shown.set(token, chatId);
    send(client, w, again);
    return;
  }
  w.shown.delete(token);
  if (again) return send(client, w, true);
  if (w.flushQueued) return;
  w.flushQueued = true;
  const watches = w;
  queueMicrotask(() => {
    watches.flushQueued = false;
    send(client, watches, false);
  });
}

/**
 * The timelines showing `from` show `to` from now on, without telling the
 * daemon yet (the next watchTimeline call does). For a chat being opened in
 * their place (timelinePrefetch.ts): they unmount in the next render, and
 * the daemon hears one change, to the new chat.
 */
export function replaceShown(client: ParleyClient, from: number, to: number): void {
  const { shown } = watchesOf(client);
  for (const [token, chatId] of shown) if (chatId === from) shown.set(token, to);
}
