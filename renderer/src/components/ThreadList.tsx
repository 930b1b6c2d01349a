// The chat's threads (among the loaded messages): each root's first words,
// its reply count and how many replies are new; a click opens the thread.
import type { ThreadSummary } from '../lib/timelineRows.js';
import { shortTime } from '../lib/format.js';

interface Props {
  threads: readonly ThreadSummary[];
  onOpen(rootRemoteId: string): void;
  onClose(): void;
}

export function ThreadList({ threads, onOpen, onClose }: Props) {
  return (
    <aside
      className="thread-list"
      aria-label="Threads"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <header className="panel-head">
        <h2>Threads · {threads.length}</h2>
        <button type="button" className="icon-button" aria-label="Close threads" onClick={onClose}>
          ×
        </button>
      </header>
      {threads.length === 0 ? <p className="notice">No threads in the loaded messages.</p> : null}
      <ul className="thread-list-items">
        {threads.map((t) => (
          <li key={t.rootRemoteId}>
            <button type="button" onClick={() => onOpen(t.rootRemoteId)}>
              <span className="thread-list-root">
                {t.root
                  ? `${t.root.senderName}: ${t.root.body}`
                  : 'A thread whose first message is not loaded'}
              </span>
              <span className="thread-list-meta">
                {t.replies} {t.replies === 1 ? 'reply' : 'replies'} · {shortTime(t.lastTs)}
                {t.unread > 0 ? (
                  <span className="badge unread-count" aria-label={`${t.unread} unread`}>
                    {t.unread}
                  </span>
                ) : null}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
