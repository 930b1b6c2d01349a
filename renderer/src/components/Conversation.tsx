// The open chat: header, timeline (with an optional thread panel) and
// composer. Marks the chat read while it is on screen and the window has focus.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { TimelineActionsContext, type TimelineActions } from '../api/TimelineActions.js';
import { useDraft } from '../hooks/useDraft.js';
import type { IsMine } from '../hooks/useSelf.js';
import { useTimeline } from '../hooks/useTimeline.js';
import { useWaitingForKeys } from '../hooks/useWaitingForKeys.js';
import { firstUnread, lastOwnEditable, threadList } from '../lib/timelineRows.js';
import { ThreadList } from './ThreadList.js';
import { typingLine, useChatPeople } from '../hooks/useChatPeople.js';
import { ImageViewer, type ViewerImage } from './ImageViewer.js';
import { MemberPanel } from './MemberPanel.js';
import { useChatTrust } from '../hooks/useChatTrust.js';
import { errorMessage } from '../api/callError.js';
import { INLINE_IMAGE } from './AttachmentView.js';
import { quoteText } from '../lib/quote.js';
import { ChatHeader } from './ChatHeader.js';
import { composerBlockedReason } from '../lib/composerAvailability.js';
import { Composer } from './Composer.js';
import { ThreadPanel } from './ThreadPanel.js';
import { Timeline } from './Timeline.js';

interface Props {
  chat: ChatSummary;
  /** The chat's account has message permalinks (accounts.list `permalinks`). */
  accountPermalinks: boolean;
  /** The chat's account encrypts: an end-to-end encrypted chat takes messages. */
  accountEncrypts: boolean;
  focusMessageId: number | null;
  isMine: IsMine;
  /** A chat summary the daemon returned (e.g. after marking read). */
  onChatChanged(chat: ChatSummary): void;
  onSent(): void;
  /** Grows each time the "edit last" shortcut is pressed (App's Ctrl/Cmd+Shift+E). */
  editLastSignal?: number;
}

export function Conversation(props: Props) {
  const {
    chat,
    accountPermalinks,
    accountEncrypts,
    focusMessageId,
    isMine,
    onChatChanged,
    onSent,
    editLastSignal = 0,
  } = props;
  const client = useClient();
  const timeline = useTimeline(chat.id);
  const draft = useDraft(chat.id);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const [thread, setThread] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [viewing, setViewing] = useState<number | null>(null);
  const [membersOpen, setMembersOpen] = useState(false);
  const [threadsOpen, setThreadsOpen] = useState(false);
  const { messages } = timeline;
  const waitingForKeys = useWaitingForKeys(chat, messages);
  const newest = messages[messages.length - 1];
  const selfIds = isMine.idsOf(chat.accountId);
  const people = useChatPeople(chat.id, selfIds, newest?.id);
  const { trust, reload: reloadTrust } = useChatTrust(chat, people.members);

  // Where the "new messages" divider goes: fixed when the chat opens (the read
  // position moves as soon as the chat is read, the divider stays where it was).
  const [unreadAtOpen] = useState(chat.unreadCount);
  const [firstUnreadId, setFirstUnreadId] = useState<number | null>(null);
  useEffect(() => {
    if (firstUnreadId !== null || unreadAtOpen === 0 || timeline.loading || messages.length === 0)
      return;
    setFirstUnreadId(firstUnread(messages, unreadAtOpen, isMine));
  }, [firstUnreadId, unreadAtOpen, timeline.loading, messages, isMine]);

  const threads = useMemo(
    () => threadList(messages, firstUnreadId, isMine),
    [messages, firstUnreadId, isMine],
  );

  const images = useMemo<ViewerImage[]>(
    () =>
      messages.flatMap((m) =>
        m.deleted
          ? []
          : m.attachments
              .filter((a) => INLINE_IMAGE.test(a.mime))
              .map((attachment) => ({ attachment, senderName: m.senderName, ts: m.ts })),
      ),
    [messages],
  );

  useEffect(() => {
    if (chat.unreadCount === 0 || !newest || newest.outboxState) return;
    const markRead = () => {
      if (!document.hasFocus()) return;
      client
        .call('chats.markRead', { chatId: chat.id, messageId: newest.id })
        .then(onChatChanged, () => undefined);
    };
    markRead();
    window.addEventListener('focus', markRead);
    return () => window.removeEventListener('focus', markRead);
  }, [client, chat.id, chat.unreadCount, newest, onChatChanged]);

  // The shortcut edits the last own message, as ↑ in an empty composer does.
  const lastOwnRef = useRef(() => lastOwnEditable(messages, isMine));
  lastOwnRef.current = () => lastOwnEditable(messages, isMine);
  useEffect(() => {
    if (editLastSignal === 0) return;
    const last = lastOwnRef.current();
    if (last) setEditing(last);
  }, [editLastSignal]);

  const { setReplyTo, setText: setDraftText } = draft;
  const draftText = useRef(draft.text);
  draftText.current = draft.text;
  const writable = composerBlockedReason(chat, accountEncrypts) === null;
  const actions = useMemo<TimelineActions>(
    () => ({
      isMine,
      selfIdsOf: isMine.idsOf,
      writable,
      reply: (m) => {
        setEditing(null);
        setReplyTo(m.id);
      },
      edit: (m) => setEditing(m),
      openThread: setThread,
      openImage: setViewing,
      permalinks: accountPermalinks,
      quote: (m) => {
        setEditing(null);
        const before = draftText.current;
        setDraftText(`${before}${before && !before.endsWith('\n') ? '\n' : ''}${quoteText(m)}`);
      },
      fail: setActionError,
    }),
    [isMine, setReplyTo, setDraftText, writable, accountPermalinks],
  );

  const findMessage = useCallback(
    (id: number) => messages.find((m) => m.id === id) ?? null,
    [messages],
  );

  return (
    <TimelineActionsContext.Provider value={actions}>
      <main className={`conversation${thread ? ' with-thread' : ''}`} aria-labelledby="chat-title">
        <ChatHeader
          chat={chat}
          onChatChanged={onChatChanged}
          memberCount={people.members.filter((m) => m.membership === 'join').length || undefined}
          membersOpen={membersOpen}
          onToggleMembers={() => setMembersOpen((o) => !o)}
          threadCount={threads.length}
          threadsUnread={threads.reduce((n, t) => n + t.unread, 0)}
          threadsOpen={threadsOpen}
          onToggleThreads={() => setThreadsOpen((o) => !o)}
          waitingForKeys={waitingForKeys}
          trust={trust}
          nameOf={(id) => people.members.find((m) => m.personRemoteId === id)?.name ?? id}
          onAcceptIdentity={(userId) =>
            void client
              .call('security.acceptIdentityChange', { accountId: chat.accountId, userId })
              .then(reloadTrust)
              .catch((err: unknown) => setActionError(errorMessage(err)))
          }
        />
        {actionError ? (
          <p className="notice error action-error" role="alert">
            {actionError}{' '}
            <button type="button" className="link-button" onClick={() => setActionError(null)}>
              Dismiss
            </button>
          </p>
        ) : null}
        <div className="conversation-body">
          <Timeline
            chatId={chat.id}
            timeline={timeline}
            focusMessageId={focusMessageId}
            firstUnreadId={firstUnreadId}
            readers={people.readers}
          />
          {thread ? (
            <ThreadPanel
              chat={chat}
              accountEncrypts={accountEncrypts}
              messages={messages}
              rootRemoteId={thread}
              onClose={() => setThread(null)}
              onSent={() => {
                // Looking at an old stretch: what was just sent is at the newest end.
                // Otherwise its local echo arrives as a delta.
                if (timeline.hasNewer) void timeline.loadLatest();
                onSent();
              }}
            />
          ) : null}
          {threadsOpen && !thread ? (
            <ThreadList
              threads={threads}
              onOpen={(root) => setThread(root)}
              onClose={() => setThreadsOpen(false)}
            />
          ) : null}
          {membersOpen ? (
            <MemberPanel
              chat={chat}
              members={people.members}
              presence={people.presence}
              trust={trust}
              onClose={() => setMembersOpen(false)}
            />
          ) : null}
        </div>
        <p className="typing-line" aria-live="polite">
          {typingLine(people.typing)}
        </p>
        <Composer
          chat={chat}
          members={people.members}
          accountEncrypts={accountEncrypts}
          draft={draft}
          editing={editing}
          onEditingChange={setEditing}
          findMessage={findMessage}
          lastOwn={() => lastOwnEditable(messages, isMine)}
          newest={() => newest ?? null}
          onSent={() => {
            // Looking at an old stretch: what was just sent is at the newest end.
            // Otherwise its local echo arrives as a delta.
            if (timeline.hasNewer) void timeline.loadLatest();
            onSent();
          }}
        />
        {viewing !== null ? (
          <ImageViewer images={images} startId={viewing} onClose={() => setViewing(null)} />
        ) : null}
      </main>
    </TimelineActionsContext.Provider>
  );
}
