// One row of the chat list: avatar, name, last message, time, unread and
// mention badges, and, when there are several accounts, which one it is from.
import { memo } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useAccounts } from '../api/AccountsContext.js';
import { formatCount, shortTime } from '../lib/format.js';
import { strings } from '../lib/strings.js';
import { AccountBadge } from './AccountBadge.js';
import { Avatar } from './Avatar.js';

interface Props {
  chat: ChatSummary;
  selected: boolean;
  focusable: boolean;
  index: number;
  /** How many chats the list has (the virtualized list renders only some). */
  setSize: number;
  /** Where the row sits in the list (px). */
  top: number;
  /** The list measures each row it renders (its data-index says which). */
  measure(el: HTMLLIElement | null): void;
}

/** Events are handled by the list (one handler for all rows), so a row re-renders only when it changes. */
export const ChatListItem = memo(function ChatListItem({
  chat,
  selected,
  focusable,
  index,
  setSize,
  top,
  measure,
}: Props) {
  const unread = chat.unreadCount > 0;
  const accounts = useAccounts();
  const account = accounts.several ? accounts.byId.get(chat.accountId) : undefined;
  const s = strings.chatList;
  // Said right after the name (the badges and icons are hidden from screen
  // readers): the option's name comes from its content, so the visible text
  // is always part of it.
  const states = [
    chat.encrypted ? strings.encryption.encrypted : null,
    chat.pinned ? s.pinned : null,
    chat.muted ? s.muted : null,
    unread ? s.unread(chat.unreadCount) : null,
    chat.mentionCount > 0 ? s.mentions(chat.mentionCount) : null,
  ]
    .filter(Boolean)
    .map((state) => `, ${state}`)
    .join('');
  return (
    <li
      role="option"
      id={`chat-${chat.id}`}
      aria-selected={selected}
      tabIndex={focusable ? 0 : -1}
      className={`chat-item${unread ? ' unread' : ''}${chat.muted ? ' muted' : ''}`}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      data-chat-id={chat.id}
      data-index={index}
      ref={measure}
      style={{ transform: `translateY(${top}px)` }}
    >
      <Avatar
        accountId={chat.accountId}
        id={chat.remoteId}
        name={chat.name}
        uri={chat.avatarUrl}
        size={36}
        className="chat-avatar"
      />
      <span className="chat-item-text">
        <span className="chat-item-top">
          <span className="chat-name">
            {chat.pinned ? (
              <span className="pin" aria-hidden="true">
                📌{' '}
              </span>
            ) : null}
            {chat.name}
          </span>
          {chat.encrypted ? (
            <span
              className="lock-icon"
              aria-hidden="true"
              title={strings.encryption.lockTitle}
              data-testid="lock"
            >
              🔒
            </span>
          ) : null}
          {states ? <span className="visually-hidden">{states}</span> : null}
          {account ? <AccountBadge account={account} /> : null}
          {chat.muted ? (
            <span className="muted-icon" aria-hidden="true" title={s.mutedTitle}>
              🔕
            </span>
          ) : null}
          <span className="chat-time">{shortTime(chat.lastActivityTs)}</span>
        </span>
        <span className="chat-item-bottom">
          <span className="chat-preview">{chat.lastMessagePreview ?? ''}</span>
          {chat.mentionCount > 0 ? (
            <span
              className="badge mention"
              aria-hidden="true"
              title={s.mentions(chat.mentionCount)}
              data-testid="mention-badge"
            >
              @{chat.mentionCount > 1 ? (chat.mentionCount > 99 ? '99+' : chat.mentionCount) : ''}
            </span>
          ) : null}
          {unread ? (
            <span className="badge unread-count" aria-hidden="true" data-testid="unread-badge">
              {chat.unreadCount > 999 ? s.manyUnread : formatCount(chat.unreadCount)}
            </span>
          ) : null}
        </span>
      </span>
    </li>
  );
});
