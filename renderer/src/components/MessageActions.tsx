// The actions on a message, shown on hover or when focus is inside it:
// react, reply, edit (own messages).
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
  const onServer = m.remoteId !== null;
  const react = (key: string) => {
    setPicking(false);
    const existing = m.reactions.find((r) => r.key === key);
    client
      .call('messages.react', { messageId: m.id, key, remove: existing?.mine ?? false })
      .catch((err: unknown) => actions.fail(`Reaction not sent: ${errorMessage(err)}`));
  };
  // Nothing to offer in a chat that takes no writes (the composer says why).
  if (!onServer || !actions.writable) return null;
  return (
    <div
      className={`message-actions${picking ? ' open' : ''}`}
      role="group"
      aria-label="Message actions"
    >
      <button
        type="button"
        aria-label="Add reaction"
        aria-expanded={picking}
        title="React"
        onClick={() => setPicking((p) => !p)}
      >
        ☺
      </button>
      {inThread ? null : (
        <button type="button" aria-label="Reply" title="Reply" onClick={() => actions.reply(m)}>
          ↩
        </button>
      )}
      {mine && (m.kind === 'text' || m.kind === 'emote') ? (
        <button type="button" aria-label="Edit" title="Edit" onClick={() => actions.edit(m)}>
          ✎
        </button>
      ) : null}
      {picking ? <ReactionPicker onPick={react} onClose={() => setPicking(false)} /> : null}
    </div>
  );
}
