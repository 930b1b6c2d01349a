// The chat list for a scope: read once, then kept current from 'chats.updated'.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { allChats } from '../../../main/daemon/api/allChats.js';
import { mergeChats, scopeFilter, type ChatScope } from '../lib/chatOrder.js';
import { afterPaint } from '../lib/afterPaint.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

/** Enough chats to fill the first screen. */
const FIRST_PAGE = 60;

export interface ChatListState {
  chats: ChatSummary[];
  loading: boolean;
  error: string | null;
  /** Folds chats the caller learned about (e.g. from chats.markRead) into the list. */
  apply(changed: ChatSummary[]): void;
  reload(): void;
}

export function useChatList(scope: ChatScope, archived = false): ChatListState {
  const client = useClient();
  const [chats, setChats] = useState<ChatSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const scopeRef = useRef({ scope, archived });
  scopeRef.current = { scope, archived };
  const generation = useRef(0);
  const scopeKey = JSON.stringify(scope);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    const filter = { ...scopeFilter(scopeRef.current.scope), archived };
    let complete = false;
    // The first screenful comes first (a small answer paints at once); the
    // whole list is asked for once that screen has painted: 10,000 chats are
    // megabytes of JSON to parse and a list to merge, which must not land
    // between the first page and its paint. A late first page never replaces
    // the whole.
    const readAll = () => {
      if (mine !== generation.current) return;
      // Every page, however many chats there are.
      allChats((input) => client.call('chats.list', input), filter).then(
        (list) => {
          if (mine !== generation.current) return;
          complete = true;
          setChats(list);
          setError(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (mine !== generation.current) return;
          setError(errorMessage(err));
          setLoading(false);
        },
      );
    };
    client
      .call('chats.list', { ...filter, limit: FIRST_PAGE })
      .then(
        (page) => {
          if (mine !== generation.current || complete) return;
          setChats(page.chats);
          setLoading(false);
        },
        () => undefined,
      )
      .finally(() => afterPaint(readAll));
    // Keyed by the scope's value, so a new but equal scope object does not reload.
  }, [client, scopeKey, archived]);

  useEffect(reload, [reload]);
  useReconnect(reload);

  const apply = useCallback((changed: ChatSummary[]) => {
    setChats((current) =>
      mergeChats(current, changed, scopeRef.current.scope, scopeRef.current.archived),
    );
  }, []);

  useDaemonEvents((event) => {
    if (event.name === 'chats.updated') apply(event.payload.chats);
  });

  return { chats, loading, error, apply, reload };
}
