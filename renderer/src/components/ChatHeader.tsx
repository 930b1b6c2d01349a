// The open chat's name and topic, its state (muted, pinned, archived) and
// the menu of its flags.
import { useRef, useState } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { ChatMenu } from './ChatMenu.js';

interface Props {
  chat: ChatSummary;
  onChatChanged(chat: ChatSummary): void;
}

export function ChatHeader({ chat, onChatChanged }: Props) {
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
      <div className="chat-title-block">
        <h1 id="chat-title">{chat.name}</h1>
        {chat.topic ? <p className="chat-topic">{chat.topic}</p> : null}
      </div>
      {states.length ? (
        <span className="chat-states" data-testid="chat-states">
          {states.join(' · ')}
        </span>
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
