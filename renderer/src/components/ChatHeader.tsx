// The open chat's avatar, name and topic, its member count and encryption
// state, its state (muted, pinned, archived), the member panel's button and
// the menu of its flags.
import { useRef, useState } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { ChatMenu } from './ChatMenu.js';
import { Avatar } from './Avatar.js';
import { strings } from '../lib/strings.js';
import type { UserTrustView } from '../../../main/daemon/model/security.js';

interface Props {
  chat: ChatSummary;
  onChatChanged(chat: ChatSummary): void;
  /** Joined members, when known. */
  memberCount?: number;
  membersOpen?: boolean;
  onToggleMembers?(): void;
  threadCount?: number;
  threadsUnread?: number;
  threadsOpen?: boolean;
  onToggleThreads?(): void;
  /** End-to-end encrypted messages still waiting for their key (chats.waitingForKeys). */
  waitingForKeys?: number;
  /** Encrypted chats: the other members' cross-signing trust. */
  trust?: ReadonlyMap<string, UserTrustView>;
  /** Names of members, for the identity warning. */
  nameOf?(userId: string): string;
  onAcceptIdentity?(userId: string): void;
}

export function ChatHeader(props: Props) {
  const { chat, onChatChanged, memberCount, membersOpen, onToggleMembers } = props;
  const { threadCount = 0, threadsUnread = 0, threadsOpen, onToggleThreads } = props;
  const { waitingForKeys = 0 } = props;
  const e = strings.encryption;
  const trusts = [...(props.trust?.values() ?? [])];
  const changed = trusts.filter((t) => t.identityChanged);
  const allVerified = trusts.length > 0 && trusts.every((t) => t.verified);
  const [menuOpen, setMenuOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const states = [
    chat.pinned && 'Pinned',
    chat.muted && 'Muted',
    chat.archived && 'Archived',
    chat.blocked && 'Blocked',
  ].filter(Boolean) as string[];
  return (
    <header className="chat-header">
      <Avatar
        accountId={chat.accountId}
        id={chat.remoteId}
        name={chat.name}
        uri={chat.avatarUrl}
        size={36}
        className="chat-header-avatar"
      />
      <div className="chat-title-block">
        <h1 id="chat-title">{chat.name}</h1>
        {chat.topic ? (
          <p className="chat-topic" title={chat.topic}>
            {chat.topic}
          </p>
        ) : null}
      </div>
      {chat.encrypted ? (
        <span className="chat-encrypted" title={e.lockTitle} data-testid="chat-lock">
          <span aria-hidden="true">🔒</span> {e.headerLabel}
          {allVerified ? ' · ✓ Verified' : ''}
        </span>
      ) : null}
      {changed.length ? (
        <span className="trust-badge identity-changed" role="alert">
          ⚠ {changed.map((t) => props.nameOf?.(t.userId) ?? t.userId).join(', ')}: identity changed.
          Verify again before trusting new messages.
          {props.onAcceptIdentity ? (
            <button
              type="button"
              onClick={() => changed.forEach((t) => props.onAcceptIdentity!(t.userId))}
            >
              Accept new identity
            </button>
          ) : null}
        </span>
      ) : null}
      {/* Always present, so screen readers hear the count change (a live region). */}
      <span className="chat-waiting-keys" role="status" data-testid="waiting-for-keys">
        {chat.encrypted && waitingForKeys > 0 ? e.waitingCount(waitingForKeys) : ''}
      </span>
      {states.length ? (
        <span className="chat-states" data-testid="chat-states">
          {states.join(' · ')}
        </span>
      ) : null}
      {onToggleThreads && chat.kind !== 'mail' ? (
        <button
          type="button"
          className="member-count"
          aria-pressed={threadsOpen}
          aria-label={`Threads: ${threadCount}${threadsUnread ? `, ${threadsUnread} unread` : ''}`}
          onClick={onToggleThreads}
        >
          <span aria-hidden="true">🧵</span> {threadCount}
          {threadsUnread ? <span className="badge unread-count">{threadsUnread}</span> : null}
        </button>
      ) : null}
      {onToggleMembers && chat.kind !== 'mail' ? (
        <button
          type="button"
          className="member-count"
          aria-pressed={membersOpen}
          aria-label={`Members${memberCount !== undefined ? `: ${memberCount}` : ''}`}
          onClick={onToggleMembers}
        >
          <span aria-hidden="true">👥</span> {memberCount ?? ''}
        </button>
      ) : null}
      <div className="menu-anchor">
        <button
          ref={button}
          type="button"
          className="icon-button"
          aria-haspopup="menu"
          aria-expanded={menuOpen}
          aria-label="Chat options"
          onClick={() => setMenuOpen((o) => !o)}
        >
          ⋯
        </button>
        {menuOpen ? (
          <ChatMenu
            chat={chat}
            onChanged={onChatChanged}
            onClose={() => {
              setMenuOpen(false);
              button.current?.focus();
            }}
          />
        ) : null}
      </div>
    </header>
  );
}
