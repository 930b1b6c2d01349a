// One message in the timeline. Text is rendered as text (never as HTML); mail
// goes through MailBody's sanitized frame. Local echoes carry their delivery
// state, with Retry when they failed.
import { memo } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useTimelineActions } from '../api/TimelineActions.js';
import { fullTime, timeOfDay } from '../lib/format.js';
import { AttachmentView } from './AttachmentView.js';
import { MailMessage } from './MailMessage.js';
import { MessageActions } from './MessageActions.js';
import { MessageBody } from './MessageBody.js';
import { OutboxStatus } from './OutboxStatus.js';
import { ReactionChips } from './ReactionChips.js';
import { ReplyQuote } from './ReplyQuote.js';
import { ThreadLink } from './ThreadLink.js';

interface Props {
  rowKey: string;
  top: number;
  observe(el: HTMLLIElement | null): void;
  message: MessageView;
  /** Same sender as the message above, shortly before: the header is left out. */
  continued: boolean;
  threadReplies: number;
  highlighted: boolean;
  /** The message this one replies to: undefined when it replies to none, null when not loaded. */
  repliedTo?: MessageView | null;
  /** In the thread panel: no thread link, no absolute position. */
  inThread?: boolean;
}

export const MessageItem = memo(function MessageItem({
  rowKey,
  top,
  observe,
  message: m,
  continued,
  threadReplies,
  highlighted,
  repliedTo,
  inThread = false,
}: Props) {
  const actions = useTimelineActions();
  const mine = actions.isMine(m);
  const classes = ['timeline-row', 'message', `kind-${m.kind}`];
  if (continued) classes.push('continued');
  if (highlighted) classes.push('highlighted');
  if (mine) classes.push('mine');
  if (m.outboxState && m.outboxState !== 'sent') classes.push('local-echo');
  const style = inThread ? undefined : { top };

  if (m.kind === 'system')
    return (
      <li
        className={classes.join(' ')}
        data-message-id={m.id}
        data-row-key={rowKey}
        ref={observe}
        style={style}
      >
        <span className="system-text">
          {m.body} <time dateTime={new Date(m.ts).toISOString()}>{timeOfDay(m.ts)}</time>
        </span>
      </li>
    );

  return (
    <li
      className={classes.join(' ')}
      data-message-id={m.id}
      data-row-key={rowKey}
      ref={observe}
      style={style}
      aria-label={`${m.senderName}, ${fullTime(m.ts)}`}
    >
      {continued ? (
        <time
          className="gutter-time"
          dateTime={new Date(m.ts).toISOString()}
          title={fullTime(m.ts)}
        >
          {timeOfDay(m.ts)}
        </time>
      ) : (
        <div className="message-head">
          <span className="sender">{m.senderName}</span>
          <time dateTime={new Date(m.ts).toISOString()} title={fullTime(m.ts)}>
            {timeOfDay(m.ts)}
          </time>
        </div>
      )}
      {repliedTo !== undefined ? <ReplyQuote message={repliedTo} /> : null}
      {m.kind === 'mail' ? <MailMessage message={m} /> : <MessageBody message={m} />}
      {m.attachments.length > 0 ? (
        <div className="attachments">
          {m.attachments.map((a) => (
            <AttachmentView key={a.id} attachment={a} />
          ))}
        </div>
      ) : null}
      <ReactionChips message={m} />
      {!inThread && threadReplies > 0 && m.remoteId ? (
        <ThreadLink rootRemoteId={m.remoteId} count={threadReplies} />
      ) : null}
      <OutboxStatus message={m} />
      {m.deleted ? null : <MessageActions message={m} mine={mine} inThread={inThread} />}
    </li>
  );
});
