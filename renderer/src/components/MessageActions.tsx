// The actions on a message, shown on hover or when focus is inside it:
// react, reply, start or open its thread, quote, copy a link to it, and for
// the user's own messages edit and delete (after a confirmation).
import { useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { useTimelineActions } from '../api/TimelineActions.js';
import { ReactionPicker } from './ReactionPicker.js';

interface Props {
  message: MessageView;
  mine: boolean;
  inThread: boolean;
}

export function MessageActions({ message: m, mine, inThread }: Props) {
  const client = useClient();
  const actions = useTimelineActions();
  const [picking, setPicking] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [copied, setCopied] = useState(false);
  const onServer = m.remoteId !== null;
  const react = (key: string) => {
    setPicking(false);
    const existing = m.reactions.find((r) => r.key === key);
    client
      .call('messages.react', { messageId: m.id, key, remove: existing?.mine ?? false })
      .catch((err: unknown) => actions.fail(`Reaction not sent: ${errorMessage(err)}`));
  };
  const remove = () => {
    setConfirmDelete(false);
    client
      .call('messages.delete', { messageId: m.id })
      .catch((err: unknown) => actions.fail(`Not deleted: ${errorMessage(err)}`));
  };
  // The daemon makes the link: the account's connector knows its protocol's form.
  const copyLink = () => {
    client
      .call('messages.permalink', { messageId: m.id })
      .then(({ url }) => {
        if (!url) throw new Error('this message has no link');
        return navigator.clipboard.writeText(url);
      })
      .then(
        () => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        },
        () => actions.fail('Could not copy the link.'),
      );
  };
  // Nothing to offer in a chat that takes no writes (the composer says why).
  if (!onServer || !actions.writable) return null;
  const isMail = m.kind === 'mail';
  return (
    <div
      className={`message-actions${picking || confirmDelete ? ' open' : ''}`}
      role="group"
      aria-label="Message actions"
    >
      {confirmDelete ? (
        <span className="confirm-delete" role="alertdialog" aria-label="Delete this message?">
          Delete for everyone?{' '}
          <button type="button" className="danger" onClick={remove}>
            Delete
          </button>{' '}
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <>
          {isMail ? null : (
            <button
              type="button"
              aria-label="Add reaction"
              aria-expanded={picking}
              title="React"
              onClick={() => setPicking((p) => !p)}
            >
              ☺
            </button>
          )}
          {inThread ? null : (
            <button type="button" aria-label="Reply" title="Reply" onClick={() => actions.reply(m)}>
              ↩
            </button>
          )}
          {inThread || isMail ? null : (
            <button
              type="button"
              aria-label="Open thread"
              title="Reply in thread"
              onClick={() => actions.openThread(m.threadRootRemoteId ?? m.remoteId!)}
            >
              🧵
            </button>
          )}
          <button type="button" aria-label="Quote" title="Quote" onClick={() => actions.quote(m)}>
            ❝
          </button>
          {actions.permalinks ? (
            <button
              type="button"
              aria-label={copied ? 'Link copied' : 'Copy link'}
              title={copied ? 'Copied' : 'Copy link'}
              onClick={copyLink}
            >
              {copied ? '✓' : '🔗'}
            </button>
          ) : null}
          {mine && (m.kind === 'text' || m.kind === 'emote') ? (
            <button type="button" aria-label="Edit" title="Edit" onClick={() => actions.edit(m)}>
              ✎
            </button>
          ) : null}
          {mine && !isMail ? (
            <button
              type="button"
              aria-label="Delete"
              title="Delete"
              onClick={() => setConfirmDelete(true)}
            >
              🗑
            </button>
          ) : null}
        </>
      )}
      {picking ? <ReactionPicker onPick={react} onClose={() => setPicking(false)} /> : null}
    </div>
  );
}
