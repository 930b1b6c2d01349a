// Reactions under a message: one chip per key with its count; a click adds
// or takes back the user's own reaction (messages.react).
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { useTimelineActions } from '../api/TimelineActions.js';

export function ReactionChips({ message }: { message: MessageView }) {
  const client = useClient();
  const actions = useTimelineActions();
  if (message.reactions.length === 0) return null;
  const toggle = (key: string, mine: boolean) => {
    client
      .call('messages.react', { messageId: message.id, key, remove: mine })
      .catch((err: unknown) => actions.fail(`Reaction not sent: ${errorMessage(err)}`));
  };
  return (
    <ul className="reactions" role="list" aria-label="Reactions">
      {message.reactions.map((r) => (
        <li key={r.key}>
          <button
            type="button"
            className={`reaction-chip${r.mine ? ' mine' : ''}`}
            aria-pressed={r.mine}
            aria-label={`${r.key} ${r.count}${r.mine ? ', including you' : ''}`}
            disabled={message.remoteId === null}
            onClick={() => toggle(r.key, r.mine)}
          >
            <span aria-hidden="true">{r.key}</span> <span className="count">{r.count}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
