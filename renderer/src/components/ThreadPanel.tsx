// A thread beside the timeline: its root and replies among the loaded
// messages (filtered by threadRootRemoteId), and a composer that replies in
// the thread. Escape closes it.
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import { threadMessages } from '../lib/timelineRows.js';
import { MessageItem } from './MessageItem.js';
import { ThreadComposer } from './ThreadComposer.js';

interface Props {
  chat: ChatSummary;
  accountEncrypts: boolean;
  messages: MessageView[];
  rootRemoteId: string;
  onClose(): void;
  /** A reply was queued; its local echo is this message. */
  onSent(messageId: number): void;
}

const noObserve = () => undefined;

export function ThreadPanel({
  chat,
  accountEncrypts,
  messages,
  rootRemoteId,
  onClose,
  onSent,
}: Props) {
  const thread = threadMessages(messages, rootRemoteId);
  const root = thread.find((m) => m.remoteId === rootRemoteId);
  return (
    <aside
      className="thread-panel"
      aria-label="Thread"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <header className="thread-head">
        <h2>Thread{root ? ` — ${root.senderName}` : ''}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close thread"
          onClick={onClose}
          autoFocus
        >
          ×
        </button>
      </header>
      <ol className="thread-messages" role="list">
        {thread.map((m) => (
          <MessageItem
            key={m.id}
            rowKey={`t-${m.id}`}
            top={0}
            observe={noObserve}
            message={m}
            continued={false}
            threadReplies={0}
            highlighted={false}
            inThread
          />
        ))}
      </ol>
      {root ? (
        <ThreadComposer
          chat={chat}
          accountEncrypts={accountEncrypts}
          rootMessageId={root.id}
          onSent={onSent}
        />
      ) : (
        <p className="muted thread-note">The thread’s first message is not loaded.</p>
      )}
    </aside>
  );
}
