// One chat's timeline: the newest page first, older pages on demand, and
// messages the daemon reports changed re-read in place.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { mergeNewest, prependOlder, refreshSpan } from '../lib/timelineMerge.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

const PAGE = 50;
const MAX_REFRESH = 500;

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
}

export function useTimeline(chatId: number | null): TimelineState {
  const client = useClient();
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [hasOlder, setHasOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<{ chatId: number | null; messages: MessageView[] }>({
    chatId,
    messages: [],
  });
  current.current.messages = messages;

  const load = useCallback(() => {
    current.current = { chatId, messages: [] };
    setMessages([]);
    setHasOlder(false);
    setError(null);
    if (chatId === null) return;
    setLoading(true);
    client.call('messages.page', { chatId, limit: PAGE }).then(
      (page) => {
        if (current.current.chatId !== chatId) return;
        setMessages([...page].reverse());
        setHasOlder(page.length === PAGE);
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

  const olderInFlight = useRef(false);
  const loadOlder = useCallback(() => {
    const oldest = current.current.messages[0];
    if (chatId === null || !oldest || olderInFlight.current) return;
    olderInFlight.current = true;
    setLoadingOlder(true);
    client
      .call('messages.page', { chatId, beforeId: oldest.id, limit: PAGE })
      .then(
        (page) => {
          if (current.current.chatId !== chatId) return;
          setMessages((m) => prependOlder(m, page));
          setHasOlder(page.length === PAGE);
        },
        (err: unknown) => {
          if (current.current.chatId === chatId) setError(errorMessage(err));
        },
      )
      .finally(() => {
        olderInFlight.current = false;
        setLoadingOlder(false);
      });
  }, [client, chatId]);

  const refresh = useCallback(
    (messageIds: number[]) => {
      if (chatId === null || messageIds.length === 0) return;
      const limit = refreshSpan(current.current.messages, messageIds, MAX_REFRESH);
      client.call('messages.page', { chatId, limit }).then(
        (page) => {
          if (current.current.chatId !== chatId) return;
          setMessages((m) => mergeNewest(m, page, limit));
          if (current.current.messages.length === 0) setHasOlder(page.length === limit);
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

  return { messages, loading, loadingOlder, hasOlder, error, loadOlder, refresh };
}
