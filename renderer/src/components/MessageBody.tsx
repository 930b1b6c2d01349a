// A chat message's text (as text), with the states that replace it.
import type { MessageView } from '../../../main/daemon/model/types.js';

export function MessageBody({ message: m }: { message: MessageView }) {
  if (m.deleted) return <div className="message-body deleted">This message was deleted.</div>;
  if (m.kind === 'encrypted')
    return (
      <div className="message-body encrypted" role="note">
        <span aria-hidden="true">🔒 </span>Encrypted message — this device cannot decrypt it.
      </div>
    );
  const text = m.kind === 'emote' ? `* ${m.senderName} ${m.body}` : m.body;
  // An attachment's body is usually just its file name: the attachment shows that.
  const onlyFileName = m.attachments.length > 0 && m.attachments.some((a) => a.name === m.body);
  if (onlyFileName) return null;
  return (
    <div className={`message-body${m.kind === 'notice' ? ' notice-text' : ''}`}>
      {m.subject ? <div className="message-subject">{m.subject}</div> : null}
      {text}
      {m.edited ? <span className="edited"> (edited)</span> : null}
    </div>
  );
}
