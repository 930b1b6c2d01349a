// How many end-to-end encrypted messages of the open chat still wait for
// their key (chats.waitingForKeys, an indexed count). Re-read when the chat's
// row changes (new messages, a late key decrypting some) and when the loaded
// window's placeholders come or go; never asked for a chat that is not encrypted.
import { useEffect, useState } from 'react';
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';

export function useWaitingForKeys(chat: ChatSummary, messages: readonly MessageView[]): number {
  const client = useClient();
  const [count, setCount] = useState(0);
  const placeholders = messages.reduce((n, m) => (m.kind === 'encrypted' ? n + 1 : n), 0);
  useEffect(() => {
    if (!chat.encrypted) {
      setCount(0);
      return;
    }
    let live = true;
    client.call('chats.waitingForKeys', { chatId: chat.id }).then(
      (r) => {
        if (live) setCount(r.count);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, chat, placeholders]);
  return count;
}
