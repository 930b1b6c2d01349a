// The chat list: a listbox (arrow keys move, Enter opens), pinned chats first,
// then by latest activity. A right click, Shift+F10 or the context-menu key
// opens the chat's menu (pin, mute, archive, notification level).
//
// Virtualized with @tanstack/react-virtual: only the rows near the viewport
// (and the row that holds the keyboard focus) are in the DOM, so 10,000 chats
// cost what 30 do. Rows are measured once rendered; the estimate only places
// rows never seen.
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { strings } from '../lib/strings.js';
import { ChatListItem } from './ChatListItem.js';
import { ChatMenu } from './ChatMenu.js';

const ROW_ESTIMATE_PX = 58;
const OVERSCAN_ROWS = 8;

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

  const scroller = useRef<HTMLDivElement>(null);
  const focusableIndex = focusableId === null ? -1 : chats.findIndex((c) => c.id === focusableId);
  const focusableRef = useRef(focusableIndex);
  focusableRef.current = focusableIndex;
  // The focusable row stays rendered when scrolled away, so Tab always finds
  // the list's one tab stop and keyboard focus is never dropped with its row.
  const rangeExtractor = useCallback((range: Range) => {
    const indexes = defaultRangeExtractor(range);
    const keep = focusableRef.current;
    if (keep >= 0 && keep < range.count && !indexes.includes(keep)) {
      indexes.push(keep);
      indexes.sort((a, b) => a - b);
    }
    return indexes;
  }, []);
  const virtualizer = useVirtualizer({
    count: chats.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: OVERSCAN_ROWS,
    getItemKey: (i) => chats[i]?.id ?? i,
    rangeExtractor,
    // Rendering inside the scroll event (flushSync) is what makes long tasks; a frame later is fine.
    useFlushSync: false,
  });

  // Another chat was selected elsewhere (Alt+Down, a notification): bring it
  // into view. Only then: chats moving around it as activity comes in do not
  // scroll the list.
  const selectedIndexRef = useRef(-1);
  selectedIndexRef.current = chats.findIndex((c) => c.id === selectedId);
  useEffect(() => {
    const at = selectedIndexRef.current;
    if (at >= 0) virtualizer.scrollToIndex(at, { align: 'auto' });
  }, [selectedId, virtualizer]);

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
      const target = chats[at];
      if (!target) return;
      // A row outside the rendered range is focused once the scroll rendered it. A far jump
      // (End) can take several frames: rows measured on the way correct the estimate, and
      // the virtualizer's scroll lands short until they have; so ask again each frame.
      const focusWhenRendered = (framesLeft: number) => {
        const row = document.getElementById(`chat-${target.id}`);
        if (row) return row.focus();
        if (framesLeft === 0) return;
        virtualizer.scrollToIndex(at, { align: 'auto' });
        window.requestAnimationFrame(() => focusWhenRendered(framesLeft - 1));
      };
      virtualizer.scrollToIndex(at, { align: 'auto' });
      focusWhenRendered(60);
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
    <section className="chat-list" aria-label={strings.chatList.region} aria-busy={loading}>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {!loading && !error && chats.length === 0 ? (
        archived ? (
          <p className="notice">{strings.chatList.noArchived}</p>
        ) : (
          <p className="notice">
            {strings.chatList.empty}{' '}
            <button type="button" className="link-button" onClick={onAddAccount}>
              {strings.chatList.addAccount}
            </button>
          </p>
        )
      ) : null}
      <div ref={scroller} className="chat-rows">
        <ul
          role="listbox"
          aria-label={archived ? strings.chatList.archivedLabel : strings.chatList.label}
          data-total-rows={chats.length}
          style={{ height: virtualizer.getTotalSize() }}
          onClick={onClick}
          onKeyDown={onKeyDown}
          onContextMenu={onContextMenu}
        >
          {virtualizer.getVirtualItems().map((row) => {
            const chat = chats[row.index]!;
            return (
              <ChatListItem
                key={chat.id}
                chat={chat}
                index={row.index}
                setSize={chats.length}
                top={row.start}
                measure={virtualizer.measureElement}
                selected={chat.id === selectedId}
                focusable={chat.id === focusableId}
              />
            );
          })}
        </ul>
      </div>
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
