// The chat list: a listbox (arrow keys move, Enter opens), pinned chats first,
// then by latest activity. A right click, Shift+F10 or the context-menu key
// opens the chat's menu (pin, mute, archive, notification level).
import { useEffect, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { ChatListItem } from './ChatListItem.js';
import { ChatMenu } from './ChatMenu.js';

const FIRST_PAINT = 60;

interface Props {
  chats: ChatSummary[];
  selectedId: number | null;
  loading: boolean;
  error: string | null;
  archived: boolean;
  onSelect(chat: ChatSummary): void;
  onChatChanged(chat: ChatSummary): void;
  onAddAccount(): void;
}

export function ChatList(props: Props) {
  const { chats, selectedId, loading, error, archived, onSelect, onChatChanged, onAddAccount } =
    props;
  const [menu, setMenu] = useState<{ chat: ChatSummary; x: number; y: number } | null>(null);
  const focusableId = chats.some((c) => c.id === selectedId) ? selectedId : (chats[0]?.id ?? null);

  const openMenu = (chat: ChatSummary, x: number, y: number) => setMenu({ chat, x, y });

  // A long list paints its first screenful at once and the rest a moment later.
  const [shown, setShown] = useState(FIRST_PAINT);
  useEffect(() => {
    if (chats.length <= shown) return;
    const timer = window.setTimeout(() => setShown(chats.length), 50);
    return () => window.clearTimeout(timer);
  }, [chats.length, shown]);

  const rowOf = (e: { target: EventTarget }) => {
    const li = (e.target as Element).closest?.('[role=option]') as HTMLElement | null;
    const index = li ? Number(li.dataset.index) : -1;
    return { li, index, chat: chats[index] };
  };
  const onClick = (e: MouseEvent<HTMLUListElement>) => {
    const { chat } = rowOf(e);
    if (chat) onSelect(chat);
  };
  const onContextMenu = (e: MouseEvent<HTMLUListElement>) => {
    const { chat } = rowOf(e);
    if (!chat) return;
    e.preventDefault();
    openMenu(chat, e.clientX, e.clientY);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const { li, index } = rowOf(e);
    if (!li || index < 0) return;
    const move = (to: number) => {
      e.preventDefault();
      const at = Math.max(0, Math.min(chats.length - 1, to));
      if (at >= shown) setShown(chats.length);
      const target = chats[at];
      if (!target) return;
      const focus = () => document.getElementById(`chat-${target.id}`)?.focus();
      // A row not painted yet (long lists paint in two steps) is focused once it is.
      if (document.getElementById(`chat-${target.id}`)) focus();
      else window.requestAnimationFrame(focus);
    };
    if (e.key === 'ArrowDown') move(index + 1);
    else if (e.key === 'ArrowUp') move(index - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(chats.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(chats[index]!);
    } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      const rect = li.getBoundingClientRect();
      openMenu(chats[index]!, rect.left + 24, rect.bottom - 4);
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
        archived ? (
          <p className="notice">No archived chats.</p>
        ) : (
          <p className="notice">
            No chats here yet.{' '}
            <button type="button" className="link-button" onClick={onAddAccount}>
              Add an account
            </button>
          </p>
        )
      ) : null}
      <ul
        role="listbox"
        aria-label={archived ? 'Archived chats' : 'Chats'}
        onClick={onClick}
        onKeyDown={onKeyDown}
        onContextMenu={onContextMenu}
      >
        {chats
          .slice(0, Math.max(shown, 1 + chats.findIndex((c) => c.id === selectedId)))
          .map((chat, i) => (
            <ChatListItem
              key={chat.id}
              chat={chat}
              index={i}
              selected={chat.id === selectedId}
              focusable={chat.id === focusableId}
            />
          ))}
      </ul>
      {menu ? (
        <ChatMenu
          chat={menu.chat}
          position={{ x: menu.x, y: menu.y }}
          onChanged={onChatChanged}
          onClose={() => {
            const id = menu.chat.id;
            setMenu(null);
            document.getElementById(`chat-${id}`)?.focus();
          }}
        />
      ) : null}
    </section>
  );
}
