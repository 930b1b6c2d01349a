// The window: rail | chat list or search results | the open chat.
import { useCallback, useEffect, useState } from 'react';
import type { ChatSummary, SearchHit } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { useChatList } from '../hooks/useChatList.js';
import { useSearch } from '../hooks/useSearch.js';
import { useWorkspaces } from '../hooks/useWorkspaces.js';
import type { ChatScope } from '../lib/chatOrder.js';
import { ChatList } from './ChatList.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { Conversation } from './Conversation.js';
import { SearchBox } from './SearchBox.js';
import { SearchResults } from './SearchResults.js';
import { WorkspaceRail } from './WorkspaceRail.js';

export function App() {
  const client = useClient();
  const [scope, setScope] = useState<ChatScope>({ kind: 'all' });
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [focusMessageId, setFocusMessageId] = useState<number | null>(null);
  const [query, setQuery] = useState('');
  const rail = useWorkspaces();
  const list = useChatList(scope);
  const search = useSearch(query);
  const selected = list.chats.find((c) => c.id === selectedId) ?? null;

  const openChat = useCallback(
    (chatId: number, messageId: number | null = null) => {
      setSelectedId(chatId);
      setFocusMessageId(messageId);
      // A chat outside the current scope: widen it so the chat is listed.
      if (!list.chats.some((c) => c.id === chatId)) setScope({ kind: 'all' });
    },
    [list.chats],
  );

  useEffect(() => client.onShellEvent((e) => openChat(e.payload.chatId)), [client, openChat]);
  useEffect(
    () => client.shell({ name: 'shell.visibleChat', input: { chatId: selected?.id ?? null } }),
    [client, selected?.id],
  );
  useEffect(() => {
    document.title = selected ? `${selected.name} — Parley` : 'Parley';
  }, [selected]);

  const applyChats = list.apply;
  const onChatChanged = useCallback((chat: ChatSummary) => applyChats([chat]), [applyChats]);
  const onOpenHit = (hit: SearchHit) => {
    setQuery('');
    openChat(hit.chatId, hit.messageId);
  };

  return (
    <div className="app">
      <WorkspaceRail
        workspaces={rail.workspaces}
        accounts={rail.accounts}
        scope={scope}
        onScope={setScope}
        error={rail.error}
      />
      <aside className="sidebar" aria-label="Chats and search">
        <SearchBox value={query} onChange={setQuery} />
        {query.trim() !== '' ? (
          <SearchResults search={search} onOpen={onOpenHit} />
        ) : (
          <ChatList
            chats={list.chats}
            selectedId={selectedId}
            loading={list.loading}
            error={list.error}
            onSelect={(chat) => openChat(chat.id)}
          />
        )}
      </aside>
      {selected ? (
        <Conversation
          key={selected.id}
          chat={selected}
          focusMessageId={focusMessageId}
          onChatChanged={onChatChanged}
          onSent={list.reload}
        />
      ) : (
        <main className="conversation empty">
          <p>Select a chat.</p>
        </main>
      )}
      <ConnectionBanner />
    </div>
  );
}
