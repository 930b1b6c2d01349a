// Replying inside a thread: the text goes out with the thread's root
// (messages.send threadRootMessageId), so other clients show it in the thread.
// Markdown as in the main composer (lib/markdown.ts; /plain sends as typed).
import { useState, type KeyboardEvent } from 'react';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { composerBlockedReason } from '../lib/composerAvailability.js';
import { composeMessage } from '../lib/markdown.js';
import { ComposerBlocked } from './ComposerBlocked.js';

interface Props {
  chat: ChatSummary;
  accountEncrypts: boolean;
  rootMessageId: number;
  /** The reply was queued; its local echo is this message. */
  onSent(messageId: number): void;
}

export function ThreadComposer({ chat, accountEncrypts, rootMessageId, onSent }: Props) {
  const client = useClient();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const blocked = composerBlockedReason(chat, accountEncrypts);
  if (blocked) return <ComposerBlocked reason={blocked} />;

  const submit = async () => {
    if (sending || text.trim() === '') return;
    setSending(true);
    setError(null);
    try {
      const composed = composeMessage(text);
      const { messageId } = await client.call('messages.send', {
        chatId: chat.id,
        body: composed.body,
        ...(composed.html ? { html: composed.html } : {}),
        threadRootMessageId: rootMessageId,
      });
      setText('');
      onSent(messageId);
    } catch (err) {
      setError(`Not sent: ${errorMessage(err)}`);
    } finally {
      setSending(false);
    }
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      className="composer thread-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="composer-row">
        <textarea
          value={text}
          rows={Math.min(6, Math.max(1, text.split('\n').length))}
          placeholder="Reply in thread"
          aria-label="Reply in thread"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" disabled={sending || text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}
