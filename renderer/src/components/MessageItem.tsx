// One message in the timeline. Text is rendered as text (never as HTML); mail
// goes through MailBody's sanitized frame. Local echoes carry their delivery
// state, with Retry when they failed.
import { memo } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useTimelineActions } from '../api/TimelineActions.js';
import { fullTime, timeOfDay } from '../lib/format.js';
import { AttachmentView } from './AttachmentView.js';
import { Avatar } from './Avatar.js';
import { LinkPreviewCard } from './LinkPreviewCard.js';
import { ReadReceipts, type Reader } from './ReadReceipts.js';
import { findLinks } from '../lib/links.js';
import { MailMessage } from './MailMessage.js';
import { MessageActions } from './MessageActions.js';
import { MessageBody } from './MessageBody.js';
import { OutboxStatus } from './OutboxStatus.js';
import { ReactionChips } from './ReactionChips.js';
import { ReplyQuote } from './ReplyQuote.js';
import { ThreadLink } from './ThreadLink.js';
import { MessageTrust } from './MessageTrust.js';

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
  /** People whose read receipt is at this message. */
  readBy?: readonly Reader[];
}

/** The first web link of a chat message, for its preview (not for mail, not while unsent). */
function previewUrl(m: MessageView): string | null {
  if (m.kind === 'mail' || m.deleted || m.remoteId === null) return null;
  const link = findLinks(m.body).find((l) => /^https?:/i.test(l.href));
  return link ? link.href : null;
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
  readBy,
}: Props) {
  const actions = useTimelineActions();
  const mine = actions.isMine(m);
  const classes = ['timeline-row', 'message', `kind-${m.kind}`];
  if (continued) classes.push('continued');
  if (highlighted) classes.push('highlighted');
  if (mine) classes.push('mine');
  if (m.mentionsMe && !mine) classes.push('mentions-me');
  if (m.outboxState && m.outboxState !== 'sent') classes.push('local-echo');
  const style = inThread ? undefined : { top };
  const preview = previewUrl(m);

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
          <Avatar
            accountId={m.accountId}
            id={m.senderRemoteId ?? m.senderName}
            name={m.senderName}
            uri={m.senderAvatarUrl}
            size={28}
            className="sender-avatar"
          />
          <span className="sender">{m.senderName}</span>
          <time dateTime={new Date(m.ts).toISOString()} title={fullTime(m.ts)}>
            {timeOfDay(m.ts)}
          </time>
        </div>
      )}
      {repliedTo !== undefined ? <ReplyQuote message={repliedTo} /> : null}
      {m.kind === 'mail' ? <MailMessage message={m} /> : <MessageBody message={m} />}
      <MessageTrust message={m} />
      {m.attachments.length > 0 ? (
        <div className="attachments">
          {m.attachments.map((a) => (
            <AttachmentView key={a.id} attachment={a} />
          ))}
        </div>
      ) : null}
      {preview ? <LinkPreviewCard accountId={m.accountId} url={preview} /> : null}
      <ReactionChips message={m} />
      {!inThread && threadReplies > 0 && m.remoteId ? (
        <ThreadLink rootRemoteId={m.remoteId} count={threadReplies} />
      ) : null}
      <OutboxStatus message={m} />
      {readBy && readBy.length > 0 ? (
        <ReadReceipts accountId={m.accountId} readers={readBy} />
      ) : null}
      {m.deleted ? null : <MessageActions message={m} mine={mine} inThread={inThread} />}
    </li>
  );
});
