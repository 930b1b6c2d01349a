// Writing a message: Enter sends, Shift+Enter starts a new line; the text is
// kept as the chat's draft until it is sent.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { useDraft } from '../hooks/useDraft.js';

interface Props {
  chat: ChatSummary;
  /** The send was queued; its local echo is this message. */
  onSent(messageId: number): void;
}

const MAX_ROWS = 8;

export function Composer({ chat, onSent }: Props) {
  const client = useClient();
  const draft = useDraft(chat.id);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setError(null);
    area.current?.focus();
  }, [chat.id]);

  const send = async () => {
    const body = draft.text;
    if (body.trim() === '' || sending) return;
    setSending(true);
    setError(null);
    draft.clear();
    try {
      const { messageId } = await client.call('messages.send', { chatId: chat.id, body });
      onSent(messageId);
    } catch (err) {
      draft.setText(body);
      setError(errorMessage(err));
    } finally {
      setSending(false);
      area.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const rows = Math.min(MAX_ROWS, Math.max(1, draft.text.split('\n').length));
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {error ? (
        <p className="notice error" role="alert">
          Not sent: {error}
        </p>
      ) : null}
      <div className="composer-row">
        <textarea
          ref={area}
          value={draft.text}
          rows={rows}
          placeholder={`Message ${chat.name}`}
          aria-label={`Message ${chat.name}`}
          onChange={(e) => draft.setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" disabled={sending || draft.text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}
