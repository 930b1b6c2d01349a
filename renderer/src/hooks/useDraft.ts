// The composer's text for a chat, loaded from and saved to the daemon's
// drafts (debounced; flushed when the chat changes or the page hides).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from '../api/ClientContext.js';

const SAVE_DELAY_MS = 500;

export interface DraftState {
  text: string;
  setText(text: string): void;
  /** Forgets the unsaved draft (after a send the daemon clears it itself). */
  clear(): void;
}

export function useDraft(chatId: number | null): DraftState {
  const client = useClient();
  const [text, setTextState] = useState('');
  const pending = useRef<{ chatId: number; body: string } | null>(null);
  const timer = useRef<number | undefined>(undefined);

  const flush = useCallback(() => {
    window.clearTimeout(timer.current);
    const save = pending.current;
    pending.current = null;
    if (save)
      void client
        .call('drafts.save', { chatId: save.chatId, body: save.body })
        .catch(() => undefined);
  }, [client]);

  useEffect(() => {
    setTextState('');
    if (chatId === null) return;
    let live = true;
    client.call('drafts.get', { chatId }).then(
      (draft) => {
        if (live && draft && pending.current === null) setTextState(draft.body);
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

  const setText = useCallback(
    (next: string) => {
      setTextState(next);
      if (chatId === null) return;
      pending.current = { chatId, body: next };
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(flush, SAVE_DELAY_MS);
    },
    [chatId, flush],
  );

  const clear = useCallback(() => {
    window.clearTimeout(timer.current);
    pending.current = null;
    setTextState('');
  }, []);

  return { text, setText, clear };
}
