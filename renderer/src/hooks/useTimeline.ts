// One chat's timeline: the newest page first, older pages on demand, and
// messages the daemon reports changed re-read by id (messages.byIds) and
// folded in place.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { applyUpserts, prependOlder } from '../lib/timelineMerge.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

const PAGE = 100;
/** The first page is smaller: it is all the opening screen needs. */
const FIRST_PAGE = 40;
/** A jump to an old message loads at most this many messages on the way. */
const MAX_JUMP_LOAD = 20_000;

export interface TimelineState {
  /** Oldest first. */
  messages: MessageView[];
  loading: boolean;
  loadingOlder: boolean;
  hasOlder: boolean;
  error: string | null;
  loadOlder(): void;
  /** Re-reads these messages (e.g. a send's local echo). */
  refresh(messageIds: number[]): void;
  /** Loads older pages until the message is loaded; resolves whether it is. */
  ensureLoaded(messageId: number): Promise<boolean>;
}

export function useTimeline(chatId: number | null): TimelineState {
  const client = useClient();
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [hasOlder, setHasOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef({ chatId, messages: [] as MessageView[], hasOlder: false });
  current.current.messages = messages;
  current.current.hasOlder = hasOlder;

  const load = useCallback(() => {
    current.current = { chatId, messages: [], hasOlder: false };
    setMessages([]);
    setHasOlder(false);
    setError(null);
    if (chatId === null) return;
    setLoading(true);
    client.call('messages.page', { chatId, limit: FIRST_PAGE }).then(
      (page) => {
        if (current.current.chatId !== chatId) return;
        const list = [...page].reverse();
        current.current.messages = list;
        current.current.hasOlder = page.length === FIRST_PAGE;
        setMessages(list);
        setHasOlder(page.length === FIRST_PAGE);
        setLoading(false);
      },
      (err: unknown) => {
        if (current.current.chatId !== chatId) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
  }, [client, chatId]);

  useEffect(load, [load]);
  useReconnect(load);

  const olderInFlight = useRef<Promise<void> | null>(null);
  const fetchOlder = useCallback(
    (limit: number): Promise<void> => {
      if (olderInFlight.current) return olderInFlight.current;
      const oldest = current.current.messages[0];
      if (chatId === null || !oldest || !current.current.hasOlder) return Promise.resolve();
      setLoadingOlder(true);
      const flight = client
        .call('messages.page', { chatId, beforeId: oldest.id, limit })
        .then(
          (page) => {
            if (current.current.chatId !== chatId) return;
            const next = prependOlder(current.current.messages, page);
            current.current.messages = next;
            current.current.hasOlder = page.length === limit;
            setMessages(next);
            setHasOlder(page.length === limit);
          },
          (err: unknown) => {
            if (current.current.chatId === chatId) setError(errorMessage(err));
          },
        )
        .finally(() => {
          olderInFlight.current = null;
          setLoadingOlder(false);
        });
      olderInFlight.current = flight;
      return flight;
    },
    [client, chatId],
  );
  const loadOlder = useCallback(() => void fetchOlder(PAGE), [fetchOlder]);

  const ensureLoaded = useCallback(
    async (messageId: number): Promise<boolean> => {
      const has = () => current.current.messages.some((m) => m.id === messageId);
      let loaded = 0;
      while (!has() && current.current.hasOlder && loaded < MAX_JUMP_LOAD) {
        const oldest = current.current.messages[0];
        if (!oldest || oldest.id < messageId) break;
        await fetchOlder(500);
        loaded += 500;
      }
      return has();
    },
    [fetchOlder],
  );

  const refresh = useCallback(
    (messageIds: number[]) => {
      if (chatId === null || messageIds.length === 0) return;
      const ids = [...new Set(messageIds)].slice(-500);
      client.call('messages.byIds', { ids }).then(
        (fetched) => {
          if (current.current.chatId !== chatId) return;
          const mine = fetched.filter((m) => m.chatId === chatId);
          const next = applyUpserts(current.current.messages, ids, mine, current.current.hasOlder);
          current.current.messages = next;
          setMessages(next);
        },
        (err: unknown) => {
          if (current.current.chatId === chatId) setError(errorMessage(err));
        },
      );
    },
    [client, chatId],
  );

  // A local echo's state changes arrive as messages.upserted too (see daemon.ts).
  useDaemonEvents((event) => {
    if (event.name === 'messages.upserted' && event.payload.chatId === chatId)
      refresh(event.payload.messageIds);
  });

  return { messages, loading, loadingOlder, hasOlder, error, loadOlder, refresh, ensureLoaded };
}
