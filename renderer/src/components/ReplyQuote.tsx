// The message a reply answers, quoted above it (when it is loaded).
import type { MessageView } from '../../../main/daemon/model/types.js';

const SNIPPET = 120;

export function ReplyQuote({ message }: { message: MessageView | null }) {
  if (!message)
    return <blockquote className="reply-quote missing">In reply to an earlier message</blockquote>;
  const text = message.deleted ? 'This message was deleted.' : message.body.replace(/\s+/g, ' ');
  return (
    <blockquote className="reply-quote" data-reply-to={message.id}>
      <span className="reply-sender">{message.senderName}</span>{' '}
      <span className="reply-text">
        {text.length > SNIPPET ? `${text.slice(0, SNIPPET - 1)}…` : text}
      </span>
    </blockquote>
  );
}
