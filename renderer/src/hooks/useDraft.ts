// A chat's draft: loaded when the chat opens, saved as the user types
// (debounced; flushed when the chat changes or the page hides). The draft
// remembers which message it replies to.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from '../api/ClientContext.js';

const SAVE_DELAY_MS = 500;

export interface DraftState {
  text: string;
  replyToMessageId: number | null;
  setText(text: string): void;
  setReplyTo(messageId: number | null): void;
  /** Forgets the unsaved draft (after a send the daemon clears it itself). */
  clear(): void;
}

export function useDraft(chatId: number | null): DraftState {
  const client = useClient();
  const [text, setTextState] = useState('');
  const [replyTo, setReplyToState] = useState<number | null>(null);
  const pending = useRef<{ chatId: number; body: string; replyTo: number | null } | null>(null);
  const now = useRef({ text: '', replyTo: null as number | null });
  const timer = useRef<number | undefined>(undefined);

  const flush = useCallback(() => {
    window.clearTimeout(timer.current);
    const save = pending.current;
    pending.current = null;
    if (save)
      void client
        .call('drafts.save', {
          chatId: save.chatId,
          body: save.body,
          replyToMessageId: save.replyTo,
        })
        .catch(() => undefined);
  }, [client]);

  useEffect(() => {
    setTextState('');
    setReplyToState(null);
    now.current = { text: '', replyTo: null };
    if (chatId === null) return;
    let live = true;
    client.call('drafts.get', { chatId }).then(
      (draft) => {
        if (!live || !draft || pending.current !== null) return;
        now.current = { text: draft.body, replyTo: draft.replyToMessageId };
        setTextState(draft.body);
        setReplyToState(draft.replyToMessageId);
      },
      () => undefined,
    );
    return () => {
      live = false;
      flush();
    };
  }, [client, chatId, flush]);

  useEffect(() => {
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, [flush]);

  const schedule = useCallback(() => {
    if (chatId === null) return;
    pending.current = { chatId, body: now.current.text, replyTo: now.current.replyTo };
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(flush, SAVE_DELAY_MS);
  }, [chatId, flush]);

  const setText = useCallback(
    (next: string) => {
      now.current.text = next;
      setTextState(next);
      schedule();
    },
    [schedule],
  );
  const setReplyTo = useCallback(
    (messageId: number | null) => {
      now.current.replyTo = messageId;
      setReplyToState(messageId);
      schedule();
    },
    [schedule],
  );

  const clear = useCallback(() => {
    window.clearTimeout(timer.current);
    pending.current = null;
    now.current = { text: '', replyTo: null };
    setTextState('');
    setReplyToState(null);
  }, []);

  return { text, replyToMessageId: replyTo, setText, setReplyTo, clear };
}
