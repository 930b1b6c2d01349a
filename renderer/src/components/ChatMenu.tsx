// A menu of a chat's flags (pin, mute, archive, notification level), export,
// and clearing the history where the server can (asked twice: it is for
// everyone and cannot be undone), as a popup menu: arrow keys move, Enter
// picks, Escape closes and returns focus.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { NotifyLevel } from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { chatFlagActions, type ChatFlagAction } from '../lib/chatFlags.js';

interface Props {
  chat: ChatSummary;
  /** Where to show it (page coordinates); the header's menu sits under its button. */
  position?: { x: number; y: number };
  onChanged(chat: ChatSummary): void;
  onClose(): void;
}

export function ChatMenu({ chat, position, onChanged, onClose }: Props) {
  const client = useClient();
  const [level, setLevel] = useState<NotifyLevel | null>(null);
  const [canBlock, setCanBlock] = useState(false);
  const [canClear, setCanClear] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    let live = true;
    client.call('chats.prefs', { chatId: chat.id }).then(
      (p) => {
        if (!live) return;
        setLevel(p.notifyLevel);
        setCanBlock(p.canBlock);
        setCanClear(p.canClear);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, chat.id]);
  useEffect(() => {
    menu.current?.querySelector<HTMLElement>('[role^=menuitem]')?.focus();
    const away = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onClose]);

  const pick = async (flags: ChatFlagAction['flags']) => {
    try {
      const updated = await client.call('chats.setFlags', { chatId: chat.id, ...flags });
      onChanged(updated);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  // The daemon writes the export (JSON, HTML, attachments) into a new folder
  // in Downloads; the menu stays open to say where.
  const exportChat = async () => {
    try {
      setExported('Exporting…');
      const result = await client.call('export.chats', { chatId: chat.id });
      setExported(`Exported ${result.messages} messages to ${result.dir}`);
    } catch (err) {
      setExported(null);
      setError(errorMessage(err));
    }
  };

  // Queued: the messages go when the server says it cleared (a refusal shows
  // in the outbox with the server's reason).
  const clearChat = async () => {
    try {
      await client.call('chats.clear', { chatId: chat.id });
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^=menuitem]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => {
      e.preventDefault();
      items[(i + items.length) % items.length]?.focus();
    };
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(items.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };

  const actions = chatFlagActions(chat, level, canBlock);
  return (
    <ul
      className="menu"
      role="menu"
      aria-label={`${chat.name} options`}
      ref={menu}
      onKeyDown={onKeyDown}
      style={position ? { position: 'fixed', left: position.x, top: position.y } : undefined}
    >
      {actions.map((a, i) => (
        <li
          key={a.id}
          role={a.checked === undefined ? 'menuitem' : 'menuitemradio'}
          aria-checked={a.checked}
          tabIndex={-1}
          className={i === 3 ? 'menu-separated' : undefined}
          onClick={() => void pick(a.flags)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              void pick(a.flags);
            }
          }}
        >
          {a.label}
        </li>
      ))}
      <li
        role="menuitem"
        tabIndex={-1}
        className="menu-separated"
        onClick={() => void exportChat()}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            void exportChat();
          }
        }}
      >
        Export chat (JSON and HTML)
      </li>
      {canClear ? (
        <li
          role="menuitem"
          tabIndex={-1}
          className="danger"
          onClick={() => void (confirmClear ? clearChat() : setConfirmClear(true))}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              void (confirmClear ? clearChat() : setConfirmClear(true));
            }
          }}
        >
          {confirmClear ? 'Clear for everyone: this cannot be undone' : 'Clear chat history…'}
        </li>
      ) : null}
      {exported ? (
        <li role="status" className="menu-note">
          {exported}
        </li>
      ) : null}
      {error ? (
        <li role="alert" className="error">
          {error}
        </li>
      ) : null}
    </ul>
  );
}
