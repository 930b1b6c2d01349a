// Opening a chat reads its newest page at the click, not after React has
// rendered the new conversation: the round trip then runs while the click's
// render does (~15 ms of the renderer's CPU, more on a loaded machine), and
// the page is there when the timeline mounts (issue #14: open a chat ≤ 50 ms).
//
// The order the daemon needs is kept: the chat is watched (timeline.watch)
// before it is read, so no change falls between the two. A change to the
// chat that arrives before the timeline has mounted and subscribed would
// still be missed by the window: if one does, the prefetched page is not
// used and the timeline reads afresh (it is watched already).
import type { ParleyClient } from '../../../main/daemon/api/contract.js';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { replaceShown, watchTimeline } from './timelineWatch.js';

/** A prefetch no timeline took within this long is dropped. */
const UNCLAIMED_MS = 2000;

interface Prefetch {
  chatId: number;
  limit: number;
  page: Promise<MessageView[]>;
  /** A message of the chat changed after the prefetch began. */
  changed: boolean;
  unsubscribe(): void;
}

const byClient = new WeakMap<ParleyClient, Prefetch>();

function drop(client: ParleyClient, entry: Prefetch): void {
  if (byClient.get(client) === entry) byClient.delete(client);
  entry.unsubscribe();
  // The entry was a watcher of its own until a timeline took over.
  watchTimeline(client, entry, null);
}

/**
 * The chat `to` is about to replace `from` (null: no chat open) on screen:
 * watch it in `from`'s place and read its newest `limit` messages now.
 */
export function prefetchTimeline(
  client: ParleyClient,
  from: number | null,
  to: number,
  limit: number,
): void {
  const before = byClient.get(client);
  if (before) drop(client, before);
  const entry: Prefetch = {
    chatId: to,
    limit,
    page: Promise.resolve([]),
    changed: false,
    unsubscribe: () => undefined,
  };
  entry.unsubscribe = client.subscribe((event) => {
    if (
      (event.name === 'messages.upserted' || event.name === 'messages.removed') &&
      event.payload.chatId === to
    )
      entry.changed = true;
  });
  if (from !== null) replaceShown(client, from, to);
  watchTimeline(client, entry, to);
  entry.page = client.call('messages.page', { chatId: to, limit });
  // Claimed or not, a failure is the timeline's to show (it reads again), not unhandled.
  entry.page.catch(() => undefined);
  byClient.set(client, entry);
  setTimeout(() => {
    if (byClient.get(client) === entry) drop(client, entry);
  }, UNCLAIMED_MS);
}

/**
 * The newest page of `chatId` read at its opening, when there is one to take
 * and nothing changed in the chat since; null: read it now. The caller watches
 * the chat itself before calling this.
 */
export function takePrefetched(
  client: ParleyClient,
  chatId: number,
  limit: number,
): Promise<MessageView[]> | null {
  const entry = byClient.get(client);
  if (!entry || entry.chatId !== chatId) return null;
  drop(client, entry);
  return entry.changed || entry.limit !== limit ? null : entry.page;
}
