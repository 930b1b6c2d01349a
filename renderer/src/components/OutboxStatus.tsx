// A local echo's delivery state: waiting, sending, or failed with a retry.
import { useState } from 'react';
import type { MessageView, OutboxState } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

const LABEL: Record<Exclude<OutboxState, 'sent'>, string> = {
  pending: 'Pending',
  sending: 'Sending…',
  failed: 'Not sent',
};

export function OutboxStatus({ message }: { message: MessageView }) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const state = message.outboxState;
  if (state === null || state === 'sent') return null;

  const retry = async () => {
    try {
      const items = await client.call('outbox.list', { accountId: message.accountId });
      const item = items.find((i) => i.localMessageId === message.id);
      if (!item) throw new Error('this message is no longer queued');
      await client.call('outbox.retry', { outboxId: item.id });
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <span className={`outbox-status ${state}`} data-outbox-state={state}>
      {LABEL[state]}
      {state === 'failed' ? (
        <button type="button" className="link-button" onClick={() => void retry()}>
          Retry
        </button>
      ) : null}
      {error ? <span className="error"> — {error}</span> : null}
    </span>
  );
}
