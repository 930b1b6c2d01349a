// Ctrl/Cmd+K: jump to any chat by name (search.chats). Up/Down move, Enter
// opens, Escape closes and gives focus back.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatMatch } from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

interface Props {
  /** Shown before anything is typed: the chat list's top chats. */
  recent: ChatSummary[];
  onOpen(chatId: number): void;
  onClose(): void;
}

const DEBOUNCE_MS = 80;

export function QuickSwitcher({ recent, onOpen, onClose }: Props) {
  const client = useClient();
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<ChatMatch[] | null>(null);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const latest = useRef(0);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const text = query.trim();
    const mine = ++latest.current;
    setActive(0);
    if (text === '') {
      setMatches(null);
      return;
    }
    const timer = window.setTimeout(() => {
      client.call('search.chats', { query: text, limit: 20 }).then(
        (found) => mine === latest.current && (setMatches(found), setError(null)),
        (err: unknown) => mine === latest.current && setError(errorMessage(err)),
      );
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [client, query]);

  // Until the daemon answers, the listed chats that match stand in, so Enter
  // never opens a chat that does not match what was typed.
  const typed = query.trim().toLowerCase();
  const items =
    matches ??
    recent
      .filter((c) => typed === '' || c.name.toLowerCase().includes(typed))
      .slice(0, 10)
      .map((c) => ({ chatId: c.id, accountId: c.accountId, name: c.name }));

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (items.length ? (a + step + items.length) % items.length : 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const item = items[active];
      if (item) onOpen(item.chatId);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog quick-switcher"
        role="dialog"
        aria-modal="true"
        aria-label="Go to chat"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        <input
          ref={input}
          type="text"
          role="combobox"
          aria-expanded="true"
          aria-controls="switcher-list"
          aria-activedescendant={items[active] ? `switch-${items[active].chatId}` : undefined}
          aria-label="Chat name"
          placeholder="Go to chat…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        {error ? (
          <p className="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <ul id="switcher-list" role="listbox" aria-label="Matching chats">
          {items.map((item, i) => (
            <li
              key={item.chatId}
              id={`switch-${item.chatId}`}
              role="option"
              aria-selected={i === active}
              onMouseEnter={() => setActive(i)}
              onClick={() => onOpen(item.chatId)}
            >
              {item.name}
            </li>
          ))}
          {items.length === 0 && query.trim() !== '' && matches !== null ? (
            <li className="notice">No chat matches.</li>
          ) : null}
        </ul>
      </div>
    </div>
  );
}
