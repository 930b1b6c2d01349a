// A chat message's text, with the states that replace it: a formatted body
// (Matrix HTML) sanitized into the page, plain text with its links.
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useTimelineActions } from '../api/TimelineActions.js';
import { FormattedBody } from './FormattedBody.js';
import { LinkifiedText } from './LinkifiedText.js';
import { strings } from '../lib/strings.js';

export function MessageBody({ message: m }: { message: MessageView }) {
  const actions = useTimelineActions();
  if (m.deleted) return <div className="message-body deleted">This message was deleted.</div>;
  if (m.kind === 'encrypted')
    return (
      <div className="message-body encrypted" role="note">
        <span aria-hidden="true">🔒 </span>
        {strings.encryption.waitingForKey}
        <span className="waiting-detail"> — {strings.encryption.waitingForKeyDetail}</span>
      </div>
    );
  const text = m.kind === 'emote' ? `* ${m.senderName} ${m.body}` : m.body;
  // An attachment's body is usually just its file name: the attachment shows that.
  const onlyFileName = m.attachments.length > 0 && m.attachments.some((a) => a.name === m.body);
  if (onlyFileName) return null;
  return (
    <div className={`message-body${m.kind === 'notice' ? ' notice-text' : ''}`}>
      {m.subject ? <div className="message-subject">{m.subject}</div> : null}
      {m.html ? (
        <>
          {m.kind === 'emote' ? `* ${m.senderName} ` : null}
          <FormattedBody
            accountId={m.accountId}
            html={m.html}
            selfIds={actions.selfIdsOf(m.accountId)}
          />
        </>
      ) : (
        <LinkifiedText text={text} />
      )}
      {m.edited ? <span className="edited"> (edited)</span> : null}
    </div>
  );
}
