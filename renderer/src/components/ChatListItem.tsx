// One row of the chat list: avatar, name, last message, time, unread and
// mention badges, and, when there are several accounts, which one it is from.
import { memo } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useAccounts } from '../api/AccountsContext.js';
import { shortTime } from '../lib/format.js';
import { AccountBadge, accountName } from './AccountBadge.js';
import { Avatar } from './Avatar.js';

interface Props {
  chat: ChatSummary;
  selected: boolean;
  focusable: boolean;
  index: number;
}

/** Events are handled by the list (one handler for all rows), so a row re-renders only when it changes. */
export const ChatListItem = memo(function ChatListItem({
  chat,
  selected,
  focusable,
  index,
}: Props) {
  const unread = chat.unreadCount > 0;
  const accounts = useAccounts();
  const account = accounts.several ? accounts.byId.get(chat.accountId) : undefined;
  const label = [
    chat.name,
    chat.pinned ? 'pinned' : null,
    chat.muted ? 'muted' : null,
    unread ? `${chat.unreadCount} unread` : null,
    chat.mentionCount > 0 ? `${chat.mentionCount} mentioning you` : null,
    account ? accountName(account) : null,
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
      data-index={index}
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
          {account ? <AccountBadge account={account} /> : null}
          {chat.muted ? (
            <span className="muted-icon" aria-hidden="true" title="Muted">
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
              title={`${chat.mentionCount} mentions`}
              data-testid="mention-badge"
            >
              @{chat.mentionCount > 1 ? (chat.mentionCount > 99 ? '99+' : chat.mentionCount) : ''}
            </span>
          ) : null}
          {unread ? (
            <span className="badge unread-count" aria-hidden="true" data-testid="unread-badge">
              {chat.unreadCount > 999 ? '999+' : chat.unreadCount}
            </span>
          ) : null}
        </span>
      </span>
    </li>
  );
});
