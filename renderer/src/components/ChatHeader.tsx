// The open chat's name and topic.
import type { ChatSummary } from '../../../main/daemon/model/types.js';

export function ChatHeader({ chat }: { chat: ChatSummary }) {
  return (
    <header className="chat-header">
      <h1 id="chat-title">{chat.name}</h1>
      {chat.topic ? <p className="chat-topic">{chat.topic}</p> : null}
    </header>
  );
}
