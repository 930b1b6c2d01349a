// The open chat: header, timeline (with an optional thread panel) and
// composer. Marks the chat read while it is on screen and the window has focus.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { TimelineActionsContext, type TimelineActions } from '../api/TimelineActions.js';
import { useDraft } from '../hooks/useDraft.js';
import type { IsMine } from '../hooks/useSelf.js';
import { useTimeline } from '../hooks/useTimeline.js';
import { lastOwnEditable } from '../lib/timelineRows.js';
import { ChatHeader } from './ChatHeader.js';
import { composerBlockedReason } from '../lib/composerAvailability.js';
import { Composer } from './Composer.js';
import { ThreadPanel } from './ThreadPanel.js';
import { Timeline } from './Timeline.js';

interface Props {
  chat: ChatSummary;
  /** The chat's account encrypts: an end-to-end encrypted chat takes messages. */
  accountEncrypts: boolean;
  focusMessageId: number | null;
  isMine: IsMine;
  /** A chat summary the daemon returned (e.g. after marking read). */
  onChatChanged(chat: ChatSummary): void;
  onSent(): void;
}

export function Conversation({
  chat,
  accountEncrypts,
  focusMessageId,
  isMine,
  onChatChanged,
  onSent,
}: Props) {
  const client = useClient();
  const timeline = useTimeline(chat.id);
  const draft = useDraft(chat.id);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const [thread, setThread] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { messages } = timeline;
  const newest = messages[messages.length - 1];

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

  const { setReplyTo } = draft;
  const writable = composerBlockedReason(chat, accountEncrypts) === null;
  const actions = useMemo<TimelineActions>(
    () => ({
      isMine,
      writable,
      reply: (m) => {
        setEditing(null);
        setReplyTo(m.id);
      },
      edit: (m) => setEditing(m),
      openThread: setThread,
      fail: setActionError,
    }),
    [isMine, setReplyTo, writable],
  );

  const findMessage = useCallback(
    (id: number) => messages.find((m) => m.id === id) ?? null,
    [messages],
  );

  return (
    <TimelineActionsContext.Provider value={actions}>
      <main className={`conversation${thread ? ' with-thread' : ''}`} aria-labelledby="chat-title">
        <ChatHeader chat={chat} onChatChanged={onChatChanged} />
        {actionError ? (
          <p className="notice error action-error" role="alert">
            {actionError}{' '}
            <button type="button" className="link-button" onClick={() => setActionError(null)}>
              Dismiss
            </button>
          </p>
        ) : null}
        <div className="conversation-body">
          <Timeline chatId={chat.id} timeline={timeline} focusMessageId={focusMessageId} />
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
        </div>
        <Composer
          chat={chat}
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
      </main>
    </TimelineActionsContext.Provider>
  );
}
