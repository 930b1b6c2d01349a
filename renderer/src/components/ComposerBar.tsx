// Above the composer: what the next Enter does besides sending — reply to a
// message, or save an edit. Escape or × cancels.
import type { MessageView } from '../../../main/daemon/model/types.js';

interface Props {
  mode: 'reply' | 'edit';
  message: MessageView | null;
  onCancel(): void;
}

export function ComposerBar({ mode, message, onCancel }: Props) {
  const text = message ? message.body.replace(/\s+/g, ' ').slice(0, 100) : 'an earlier message';
  return (
    <div className={`composer-bar ${mode}`} role="status">
      <span>
        {mode === 'reply' ? (
          <>
            Replying to <strong>{message?.senderName ?? 'a message'}</strong>: {text}
          </>
        ) : (
          <>Editing your message — Enter saves, Escape cancels</>
        )}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={mode === 'reply' ? 'Cancel reply' : 'Cancel edit'}
        onClick={onCancel}
      >
        ×
      </button>
    </div>
  );
}
