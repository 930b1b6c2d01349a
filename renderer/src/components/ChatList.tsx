// The chat list: a listbox (arrow keys move, Enter opens), pinned chats first,
// then by latest activity.
import type { KeyboardEvent } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { ChatListItem } from './ChatListItem.js';

interface Props {
  chats: ChatSummary[];
  selectedId: number | null;
  loading: boolean;
  error: string | null;
  onSelect(chat: ChatSummary): void;
}

export function ChatList({ chats, selectedId, loading, error, onSelect }: Props) {
  const focusableId = chats.some((c) => c.id === selectedId) ? selectedId : (chats[0]?.id ?? null);

  const onKeyDown = (index: number) => (e: KeyboardEvent<HTMLLIElement>) => {
    const move = (to: number) => {
      e.preventDefault();
      const target = chats[Math.max(0, Math.min(chats.length - 1, to))];
      if (target) document.getElementById(`chat-${target.id}`)?.focus();
    };
    if (e.key === 'ArrowDown') move(index + 1);
    else if (e.key === 'ArrowUp') move(index - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(chats.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(chats[index]!);
    }
  };

  return (
    <section className="chat-list" aria-label="Chats" aria-busy={loading}>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {!loading && !error && chats.length === 0 ? (
        <p className="notice">No chats here yet. Add an account with “parley accounts add”.</p>
      ) : null}
      <ul role="listbox" aria-label="Chats">
        {chats.map((chat, i) => (
          <ChatListItem
            key={chat.id}
            chat={chat}
            selected={chat.id === selectedId}
            focusable={chat.id === focusableId}
            onSelect={onSelect}
            onKeyDown={onKeyDown(i)}
          />
        ))}
      </ul>
    </section>
  );
}
