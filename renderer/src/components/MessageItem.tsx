// One message in the timeline. Text is rendered as text (never as HTML);
// local echoes carry their delivery state.
import type { MessageView } from '../../../main/daemon/model/types.js';
import { fullTime, shortTime } from '../lib/format.js';
import { AttachmentView } from './AttachmentView.js';
import { OutboxStatus } from './OutboxStatus.js';

interface Props {
  message: MessageView;
  /** Same sender as the message above, shortly before: the header is left out. */
  continued: boolean;
  highlighted: boolean;
}

export function MessageItem({ message: m, continued, highlighted }: Props) {
  const classes = ['message', `kind-${m.kind}`];
  if (continued) classes.push('continued');
  if (highlighted) classes.push('highlighted');
  if (m.outboxState && m.outboxState !== 'sent') classes.push('local-echo');
  return (
    <li
      className={classes.join(' ')}
      data-message-id={m.id}
      aria-label={`${m.senderName}, ${fullTime(m.ts)}`}
    >
      {continued ? null : (
        <div className="message-head">
          <span className="sender">{m.senderName}</span>
          <time dateTime={new Date(m.ts).toISOString()} title={fullTime(m.ts)}>
            {shortTime(m.ts)}
          </time>
        </div>
      )}
      {m.subject ? <div className="message-subject">{m.subject}</div> : null}
      {m.deleted ? (
        <div className="message-body deleted">This message was deleted.</div>
      ) : m.kind === 'encrypted' ? (
        <div className="message-body notice">Encrypted message (cannot be shown).</div>
      ) : (
        <div className="message-body">
          {m.kind === 'emote' ? `* ${m.senderName} ${m.body}` : m.body}
          {m.edited ? <span className="edited"> (edited)</span> : null}
        </div>
      )}
      {m.attachments.length > 0 ? (
        <div className="attachments">
          {m.attachments.map((a) => (
            <AttachmentView key={a.id} attachment={a} />
          ))}
        </div>
      ) : null}
      {m.reactions.length > 0 ? (
        <ul className="reactions" role="list" aria-label="Reactions">
          {m.reactions.map((r) => (
            <li key={r.key} className={r.mine ? 'mine' : undefined}>
              {r.key} {r.count}
            </li>
          ))}
        </ul>
      ) : null}
      <OutboxStatus message={m} />
    </li>
  );
}
