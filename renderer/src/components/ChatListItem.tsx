// One row of the chat list: name, last message, time, unread and mention badges.
import type { KeyboardEvent } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { shortTime } from '../lib/format.js';

interface Props {
  chat: ChatSummary;
  selected: boolean;
  focusable: boolean;
  onSelect(chat: ChatSummary): void;
  onKeyDown(e: KeyboardEvent<HTMLLIElement>): void;
}

export function ChatListItem({ chat, selected, focusable, onSelect, onKeyDown }: Props) {
  const unread = chat.unreadCount > 0;
  const label = [
    chat.name,
    chat.pinned ? 'pinned' : null,
    chat.muted ? 'muted' : null,
    unread ? `${chat.unreadCount} unread` : null,
    chat.mentionCount > 0 ? `${chat.mentionCount} mentioning you` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <li
      role="option"
      id={`chat-${chat.id}`}
      aria-selected={selected}
      aria-label={label}
      tabIndex={focusable ? 0 : -1}
      className={`chat-item${unread ? ' unread' : ''}${chat.muted ? ' muted' : ''}`}
      data-chat-id={chat.id}
      onClick={() => onSelect(chat)}
      onKeyDown={onKeyDown}
    >
      <span className="chat-item-top">
        <span className="chat-name">
          {chat.pinned ? (
            <span className="pin" aria-hidden="true">
              📌{' '}
            </span>
          ) : null}
          {chat.name}
        </span>
        <span className="chat-time">{shortTime(chat.lastActivityTs)}</span>
      </span>
      <span className="chat-item-bottom">
        <span className="chat-preview">{chat.lastMessagePreview ?? ''}</span>
        {chat.mentionCount > 0 ? (
          <span
            className="badge mention"
            aria-hidden="true"
            title={`${chat.mentionCount} mentions`}
          >
            @
          </span>
        ) : null}
        {unread ? (
          <span className="badge unread-count" aria-hidden="true" data-testid="unread-badge">
            {chat.unreadCount > 999 ? '999+' : chat.unreadCount}
          </span>
        ) : null}
      </span>
    </li>
  );
}
