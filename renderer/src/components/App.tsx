// The window: rail | chat list or search results | the open chat, plus the
// quick switcher (Ctrl/Cmd+K), account setup, sign-in, settings and the
// shortcut cheat sheet (Ctrl/Cmd+/). Opening a chat puts the focus in its
// composer (or its timeline, when it has none).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AccountsContext, type AccountsView } from '../api/AccountsContext.js';
import { LinkOpenerProvider } from '../api/LinkOpener.js';
import type { Account, ChatSummary, SearchHit } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { allChats } from '../../../main/daemon/api/allChats.js';
import type { ProcedureInput } from '../../../main/daemon/api/contract.js';
import { useChatList } from '../hooks/useChatList.js';
import { openingTimeline } from '../hooks/useTimeline.js';
import { useDaemonEvents } from '../hooks/useDaemonEvents.js';
import { useGlobalKeys } from '../hooks/useGlobalKeys.js';
import { useSearch } from '../hooks/useSearch.js';
import { useSelf } from '../hooks/useSelf.js';
import { useSettings } from '../hooks/useSettings.js';
import { useSyncProgress } from '../hooks/useSyncProgress.js';
import { useVerifications } from '../hooks/useVerifications.js';
import { useWebNotifications } from '../hooks/useWebNotifications.js';
import { useWorkspaces } from '../hooks/useWorkspaces.js';
import type { ChatScope } from '../lib/chatOrder.js';
import { AccountSetup } from './AccountSetup.js';
import { ChatList } from './ChatList.js';
import { ChatListTabs } from './ChatListTabs.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { Conversation } from './Conversation.js';
import { QuickSwitcher } from './QuickSwitcher.js';
import { SearchBox } from './SearchBox.js';
import { SearchResults } from './SearchResults.js';
import { SettingsDialog } from './SettingsDialog.js';
import { ShortcutSheet } from './ShortcutSheet.js';
import { SignInDialog } from './SignInDialog.js';
import { strings } from '../lib/strings.js';
import { SyncStatus } from './SyncStatus.js';
import { VerificationDialog } from './VerificationDialog.js';
import { WorkspaceRail } from './WorkspaceRail.js';

type DialogName = 'switcher' | 'add-account' | 'settings' | 'shortcuts' | null;

export function App() {
  const client = useClient();
  const [scope, setScope] = useState<ChatScope>({ kind: 'all' });
  const [archived, setArchived] = useState(false);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [outside, setOutside] = useState<ChatSummary | null>(null);
  const [focusMessageId, setFocusMessageId] = useState<number | null>(null);
  const [query, setQuery] = useState('');
  const [dialog, setDialog] = useState<DialogName>(null);
  const [signingIn, setSigningIn] = useState<Account | null>(null);
  const [editLastSignal, setEditLastSignal] = useState(0);
  // First: hooks' effects run in order, so the chat list's read is the first
  // call on the connection and the daemon answers it before the others.
  const list = useChatList(scope, archived);
  const progress = useSyncProgress();
  const rail = useWorkspaces();
  const search = useSearch(query);
  const settings = useSettings();
  const isMine = useSelf();
  const verifications = useVerifications();
  const selected =
    list.chats.find((c) => c.id === selectedId) ??
    (outside && outside.id === selectedId ? outside : null);

  // chat id → account id, for per-account notification levels.
  const accountOfChat = useRef(new Map<number, number>());
  // Only when the list changed: App renders on every opening, the list has 10,000 chats.
  const mappedChats = useRef<ChatSummary[] | null>(null);
  if (mappedChats.current !== list.chats) {
    mappedChats.current = list.chats;
    for (const c of list.chats) accountOfChat.current.set(c.id, c.accountId);
  }
  useDaemonEvents((e) => {
    if (e.name === 'chats.updated')
      for (const c of e.payload.chats) accountOfChat.current.set(c.id, c.accountId);
  });

  /** Set when a chat opens: its composer (or timeline) takes the focus once rendered. */
  const focusOpened = useRef(false);
  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const openChat = useCallback(
    (chatId: number, messageId: number | null = null) => {
      // Its first page is read now, while React renders the conversation.
      openingTimeline(client, selectedRef.current, chatId);
      selectedRef.current = chatId;
      focusOpened.current = true;
      setSelectedId(chatId);
      setFocusMessageId(messageId);
      setDialog(null);
      if (list.chats.some((c) => c.id === chatId)) return;
      // Outside the list as shown: widen the scope, and find it (archived too).
      setScope({ kind: 'all' });
      const page = (input: ProcedureInput<'chats.list'>) => client.call('chats.list', input);
      void Promise.all([allChats(page), allChats(page, { archived: true })]).then(
        ([live, old]) => {
          const found = [...live, ...old].find((c) => c.id === chatId);
          if (found) {
            setOutside(found);
            setArchived(found.archived);
          }
        },
        () => undefined,
      );
    },
    [client, list.chats],
  );

  useEffect(() => client.onShellEvent((e) => openChat(e.payload.chatId)), [client, openChat]);
  useEffect(
    () => client.shell({ name: 'shell.visibleChat', input: { chatId: selected?.id ?? null } }),
    [client, selected?.id],
  );
  useEffect(() => {
    document.title = selected ? `${selected.name} — Parley` : 'Parley';
  }, [selected]);
  useEffect(() => {
    if (!selected || !focusOpened.current) return;
    focusOpened.current = false;
    // A dialog that closed on the way hands focus back first; this runs after it,
    // and after the frame that first shows the chat has painted: focusing
    // recalculates style and layout, which should not hold the first paint back.
    window.requestAnimationFrame(() =>
      window.setTimeout(() =>
        (
          document.querySelector<HTMLElement>('.conversation .composer textarea') ??
          document.querySelector<HTMLElement>('.conversation .timeline')
        )?.focus(),
      ),
    );
  }, [selected]);

  useWebNotifications({
    visibleChatId: selected?.id ?? null,
    settings: settings.latest,
    accountOf: (chatId) => accountOfChat.current.get(chatId) ?? null,
    openChat,
  });

  const step = (by: 1 | -1) => {
    const at = list.chats.findIndex((c) => c.id === selectedId);
    const next = list.chats[Math.max(0, Math.min(list.chats.length - 1, at + by))];
    if (next) openChat(next.id);
  };
  useGlobalKeys({
    quickSwitcher: () => setDialog('switcher'),
    search: () => document.querySelector<HTMLInputElement>('.search-box input')?.focus(),
    nextChat: () => step(1),
    previousChat: () => step(-1),
    nextUnread: () => {
      // The next unread chat below the open one, wrapping around to the top.
      const at = list.chats.findIndex((c) => c.id === selectedId);
      const n = list.chats.length;
      for (let k = 1; k <= n; k++) {
        const chat = list.chats[(at + k + n) % n]!;
        if (chat.unreadCount > 0 && chat.id !== selectedId) return openChat(chat.id);
      }
    },
    markRead: () => {
      if (!selected) return;
      void client
        .call('messages.page', { chatId: selected.id, limit: 1 })
        .then(([newest]) =>
          newest
            ? client.call('chats.markRead', { chatId: selected.id, messageId: newest.id })
            : null,
        )
        .then(
          (chat) => chat && onChatChanged(chat),
          () => undefined,
        );
    },
    editLast: () => setEditLastSignal((n) => n + 1),
    cheatSheet: () => setDialog((d) => (d === 'shortcuts' ? null : 'shortcuts')),
  });

  const applyChats = list.apply;
  const onChatChanged = useCallback(
    (chat: ChatSummary) => {
      applyChats([chat]);
      setOutside((o) => (o && o.id === chat.id ? chat : o));
    },
    [applyChats],
  );
  const onOpenHit = (hit: SearchHit) => {
    setQuery('');
    openChat(hit.chatId, hit.messageId);
  };
  const onAccountAdded = (account: Account) => {
    setDialog(null);
    rail.reload();
    setScope({ kind: 'account', accountId: account.id });
    setArchived(false);
  };

  const accountsView = useMemo<AccountsView>(
    () => ({
      byId: new Map(rail.accounts.map((a) => [a.id, a])),
      several: rail.accounts.length > 1,
    }),
    [rail.accounts],
  );

  return (
    <AccountsContext.Provider value={accountsView}>
      <LinkOpenerProvider>
        <div className="app">
          <WorkspaceRail
            workspaces={rail.workspaces}
            accounts={rail.accounts}
            scope={scope}
            onScope={(s) => {
              setScope(s);
              setArchived(false);
            }}
            onAddAccount={() => setDialog('add-account')}
            onSettings={() => setDialog('settings')}
            error={rail.error}
          />
          <aside className="sidebar" aria-label="Chats and search">
            <SearchBox value={query} onChange={setQuery} />
            <SyncStatus accounts={rail.accounts} progress={progress} onSignIn={setSigningIn} />
            {query.trim() !== '' ? (
              <SearchResults search={search} onOpen={onOpenHit} />
            ) : (
              <>
                <ChatListTabs archived={archived} onChange={setArchived} />
                <ChatList
                  chats={list.chats}
                  selectedId={selectedId}
                  loading={list.loading}
                  error={list.error}
                  archived={archived}
                  onSelect={(chat) => openChat(chat.id)}
                  onChatChanged={onChatChanged}
                  onAddAccount={() => setDialog('add-account')}
                />
              </>
            )}
          </aside>
          {selected ? (
            <Conversation
              key={selected.id}
              chat={selected}
              accountPermalinks={
                rail.accounts.find((a) => a.id === selected.accountId)?.permalinks === true
              }
              accountEncrypts={
                rail.accounts.find((a) => a.id === selected.accountId)?.encrypts === true
              }
              focusMessageId={focusMessageId}
              isMine={isMine}
              onChatChanged={onChatChanged}
              onSent={list.reload}
              editLastSignal={editLastSignal}
            />
          ) : (
            <main className="conversation empty">
              <p>{strings.app.noChat}</p>
            </main>
          )}
          {dialog === 'shortcuts' ? <ShortcutSheet onClose={() => setDialog(null)} /> : null}
          {signingIn ? (
            <SignInDialog
              account={signingIn}
              onSignedIn={() => {
                setSigningIn(null);
                rail.reload();
              }}
              onClose={() => setSigningIn(null)}
            />
          ) : null}
          {dialog === 'switcher' ? (
            <QuickSwitcher
              recent={list.chats}
              onOpen={(id) => openChat(id)}
              onClose={() => setDialog(null)}
            />
          ) : null}
          {dialog === 'add-account' ? (
            <AccountSetup
              workspaces={rail.workspaces}
              onAdded={onAccountAdded}
              onClose={() => setDialog(null)}
            />
          ) : null}
          {dialog === 'settings' ? (
            <SettingsDialog
              accounts={rail.accounts}
              settings={settings}
              onAddAccount={() => setDialog('add-account')}
              progress={progress}
              onAccountsChanged={() => {
                rail.reload();
                list.reload();
              }}
              onClose={() => setDialog(null)}
            />
          ) : null}
          {verifications.shown ? (
            <VerificationDialog
              key={`${verifications.shown.accountId}:${verifications.shown.flowId}`}
              verification={verifications.shown}
              onChanged={verifications.update}
              onClose={() => verifications.dismiss(verifications.shown!)}
            />
          ) : null}
          <ConnectionBanner />
        </div>
      </LinkOpenerProvider>
    </AccountsContext.Provider>
  );
}
