// The open chat: header, timeline and composer. Marks the chat read while it
// is on screen and the window has focus.
import { useEffect } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { useTimeline } from '../hooks/useTimeline.js';
import { ChatHeader } from './ChatHeader.js';
import { Composer } from './Composer.js';
import { Timeline } from './Timeline.js';

interface Props {
  chat: ChatSummary;
  focusMessageId: number | null;
  /** A chat summary the daemon returned (e.g. after marking read). */
  onChatChanged(chat: ChatSummary): void;
  onSent(): void;
}

export function Conversation({ chat, focusMessageId, onChatChanged, onSent }: Props) {
  const client = useClient();
  const timeline = useTimeline(chat.id);
  const newest = timeline.messages[timeline.messages.length - 1];

  useEffect(() => {
    if (chat.unreadCount === 0 || !newest) return;
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

  return (
    <main className="conversation" aria-labelledby="chat-title">
      <ChatHeader chat={chat} />
      <Timeline chatId={chat.id} timeline={timeline} focusMessageId={focusMessageId} />
      <Composer
        chat={chat}
        onSent={(messageId) => {
          timeline.refresh([messageId]);
          onSent();
        }}
      />
    </main>
  );
}
