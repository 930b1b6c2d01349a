// One chat's timeline: a window of it, oldest first. It opens on the newest
// page; older pages load on demand above it. A jump to a message that is not
// loaded replaces the window with one around it (messages.around), which may
// stop short of the newest message: newer pages then load on demand below it,
// and "latest" reloads the newest page. The daemon's deltas carry the changed
// messages themselves (messages.upserted / messages.removed), folded in place
// without a read. After a reconnect (events may have been missed) the window
// is read again: the newest page, or an older stretch by id (messages.byIds).
// The daemon sends a chat's message deltas only while a timeline watches it
// (api/timelineWatch.ts): the hook watches its chat before each read of it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import type { ParleyClient } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { CallError, errorMessage } from '../api/callError.js';
import { watchTimeline } from '../api/timelineWatch.js';
import { prefetchTimeline, takePrefetched } from '../api/timelinePrefetch.js';
import {
  appendNewer,
  applyUpserts,
  boundWindow,
  foldRemoved,
  foldUpserted,
  partialDeltaReaches,
  prependOlder,
  windowAround,
  type TimelineWindow,
} from '../lib/timelineMerge.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

const PAGE = 100;
/** The first page is smaller: it is all the opening screen needs. */
const FIRST_PAGE = 40;

/**
 * Call where a chat is opened (before React renders it): its timeline's
 * first read starts now, in place of the chat `from` shown until now.
 */
export function openingTimeline(client: ParleyClient, from: number | null, to: number): void {
  if (from !== to) prefetchTimeline(client, from, to, FIRST_PAGE);
}
/** A jump opens a window of this many messages on each side of its target. */
const AROUND = 60;
/**
 * The most messages the window holds: paging one way drops pages from the
 * other end (boundWindow), which load again on the way back.
 */
export const MAX_WINDOW = 500;

export interface TimelineState {
  /** Oldest first. */
  messages: MessageView[];
  loading: boolean;
  loadingOlder: boolean;
  loadingNewer: boolean;
  hasOlder: boolean;
  /** The window stops short of the newest message (after a jump). */
  hasNewer: boolean;
  error: string | null;
  loadOlder(): void;
  loadNewer(): void;
  /** Replaces the window with the newest page (a no-op wait when it has it). */
  loadLatest(): Promise<void>;
  /** Re-reads these messages by id (after a reconnect; live changes arrive as deltas). */
  refresh(messageIds: number[]): void;
  /** Loads a window around the message unless it is loaded; resolves whether it is. */
  ensureLoaded(messageId: number): Promise<boolean>;
}

/** What the hook's async work reads; a new object whenever the window is replaced. */
interface Current extends TimelineWindow {
  chatId: number | null;
}

export function useTimeline(chatId: number | null): TimelineState {
  const client = useClient();
  const [win, setWin] = useState<TimelineWindow>({
    messages: [],
    hasOlder: false,
    hasNewer: false,
  });
  const [loading, setLoading] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadingNewer, setLoadingNewer] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<Current>({ chatId, messages: [], hasOlder: false, hasNewer: false });
  /** This timeline's token in the window's watch. */
  const watchToken = useRef({}).current;

  /** Changes the window in place (paging, live updates), or replaces it (fresh = true). */
  const commit = useCallback((next: TimelineWindow, fresh = false) => {
    if (fresh) current.current = { chatId: current.current.chatId, ...next };
    else Object.assign(current.current, next);
    setWin(next);
  }, []);

  /** The newest page, as a fresh window (`read`: that page, already asked for). */
  const fetchLatest = useCallback(
    (from: Current, read?: Promise<MessageView[]>): Promise<void> => {
      if (from.chatId === null) return Promise.resolve();
      const chat = from.chatId;
      const page = read ?? client.call('messages.page', { chatId: chat, limit: FIRST_PAGE });
      return page.then(
        (page) => {
          if (current.current !== from) return;
          commit(
            {
              messages: [...page].reverse(),
              hasOlder: page.length === FIRST_PAGE,
              hasNewer: false,
            },
            true,
          );
        },
        (err: unknown) => {
          if (current.current === from) setError(errorMessage(err));
        },
      );
    },
    [client, commit],
  );

  const load = useCallback(() => {
    const from: Current = { chatId, messages: [], hasOlder: false, hasNewer: false };
    current.current = from;
    setWin({ messages: [], hasOlder: false, hasNewer: false });
    setError(null);
    watchTimeline(client, watchToken, chatId);
    if (chatId === null) return;
    // Read at the click that opened the chat (openingTimeline), when it was.
    const prefetched = takePrefetched(client, chatId, FIRST_PAGE) ?? undefined;
    setLoading(true);
    void fetchLatest(from, prefetched).finally(() => {
      if (current.current.chatId === chatId) setLoading(false);
    });
  }, [client, watchToken, chatId, fetchLatest]);

  useEffect(load, [load]);
  useEffect(() => () => watchTimeline(client, watchToken, null), [client, watchToken]);

  const loadLatest = useCallback(
    () => (current.current.hasNewer ? fetchLatest(current.current) : Promise.resolve()),
    [fetchLatest],
  );

  const olderInFlight = useRef<Promise<void> | null>(null);
  const loadOlder = useCallback(() => {
    if (olderInFlight.current) return;
    const from = current.current;
    const oldest = from.messages[0];
    if (from.chatId === null || !oldest || !from.hasOlder) return;
    setLoadingOlder(true);
    olderInFlight.current = client
      .call('messages.page', { chatId: from.chatId, beforeId: oldest.id, limit: PAGE })
      .then(
        (page) => {
          if (current.current !== from) return;
          commit(
            boundWindow(
              {
                messages: prependOlder(from.messages, page),
                hasOlder: page.length === PAGE,
                hasNewer: from.hasNewer,
              },
              MAX_WINDOW,
              'older',
            ),
          );
        },
        (err: unknown) => {
          if (current.current === from) setError(errorMessage(err));
        },
      )
      .finally(() => {
        olderInFlight.current = null;
        setLoadingOlder(false);
      });
  }, [client, commit]);

  const newerInFlight = useRef<Promise<void> | null>(null);
  const loadNewer = useCallback(() => {
    if (newerInFlight.current) return;
    const from = current.current;
    const newest = from.messages[from.messages.length - 1];
    if (from.chatId === null || !newest || !from.hasNewer) return;
    setLoadingNewer(true);
    newerInFlight.current = client
      .call('messages.page', { chatId: from.chatId, afterId: newest.id, limit: PAGE })
      .then(
        (page) => {
          if (current.current !== from) return;
          commit(
            boundWindow(
              {
                messages: appendNewer(from.messages, page),
                hasOlder: from.hasOlder,
                hasNewer: page.length === PAGE,
              },
              MAX_WINDOW,
              'newer',
            ),
          );
        },
        (err: unknown) => {
          if (current.current === from) setError(errorMessage(err));
        },
      )
      .finally(() => {
        newerInFlight.current = null;
        setLoadingNewer(false);
      });
  }, [client, commit]);

  // The last jump: a repeat while it runs, or after it failed on the same window, reuses it.
  const jump = useRef<{ messageId: number; from: Current; done: Promise<boolean> } | null>(null);
  const ensureLoaded = useCallback(
    (messageId: number): Promise<boolean> => {
      const from = current.current;
      if (from.messages.some((m) => m.id === messageId)) return Promise.resolve(true);
      const last = jump.current;
      if (last && last.messageId === messageId && last.from === from) return last.done;
      if (from.chatId === null) return Promise.resolve(false);
      const done = client
        .call('messages.around', {
          chatId: from.chatId,
          messageId,
          before: AROUND,
          after: AROUND,
        })
        .then(
          (around) => {
            if (current.current !== from) return false;
            commit(windowAround(around, messageId, AROUND, AROUND), true);
            return true;
          },
          // not_found: the message is gone (or in another chat); the window stays.
          (err: unknown) => {
            const gone = err instanceof CallError && err.code === 'not_found';
            if (!gone && current.current === from) setError(errorMessage(err));
            return false;
          },
        );
      jump.current = { messageId, from, done };
      return done;
    },
    [client, commit],
  );

  const refresh = useCallback(
    (messageIds: number[]) => {
      if (chatId === null || messageIds.length === 0) return;
      const ids = [...new Set(messageIds)].slice(-500);
      client.call('messages.byIds', { ids }).then(
        (fetched) => {
          const now = current.current;
          if (now.chatId !== chatId) return;
          const mine = fetched.filter((m) => m.chatId === chatId);
          const next = applyUpserts(now.messages, ids, mine, now.hasOlder, now.hasNewer);
          if (next !== now.messages)
            commit({ messages: next, hasOlder: now.hasOlder, hasNewer: now.hasNewer });
        },
        (err: unknown) => {
          if (current.current.chatId === chatId) setError(errorMessage(err));
        },
      );
    },
    [client, chatId, commit],
  );

  // Events may have been missed while disconnected: at the newest end the
  // newest page brings them; an older stretch (after a jump) is re-read in place.
  useReconnect(() => {
    const now = current.current;
    // A new connection has no watch yet: watch before the read.
    watchTimeline(client, watchToken, now.chatId, true);
    if (now.hasNewer && now.messages.length > 0) refresh(now.messages.map((m) => m.id));
    else load();
  });

  /** Applies a delta's fold to the window, when it changed anything. */
  const fold = useCallback(
    (next: MessageView[]) => {
      const now = current.current;
      if (next !== now.messages)
        commit({ messages: next, hasOlder: now.hasOlder, hasNewer: now.hasNewer });
    },
    [commit],
  );

  // Local echoes' state changes arrive as deltas too (main/daemon/api/eventCoalescer.ts).
  useDaemonEvents((event) => {
    const now = current.current;
    if (event.name === 'messages.upserted' && event.payload.chatId === now.chatId) {
      // More changed at once than one event carries, some of it maybe in view:
      // at the newest end, read it afresh rather than hold a gap.
      const { messages, more } = event.payload;
      if (more && !now.hasNewer && partialDeltaReaches(now, messages)) void fetchLatest(now);
      else fold(foldUpserted(now, messages));
    } else if (event.name === 'messages.removed' && event.payload.chatId === now.chatId)
      fold(foldRemoved(now, event.payload.messageIds));
  });

  return {
    messages: win.messages,
    loading,
    loadingOlder,
    loadingNewer,
    hasOlder: win.hasOlder,
    hasNewer: win.hasNewer,
    error,
    loadOlder,
    loadNewer,
    loadLatest,
    refresh,
    ensureLoaded,
  };
}
