// The open chat's messages, newest at the bottom. Scrolling to the top loads
// older pages without moving what is on screen; new messages keep the view at
// the bottom when it was there.
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import type { TimelineState } from '../hooks/useTimeline.js';
import { MessageItem } from './MessageItem.js';

const LOAD_OLDER_PX = 120;
const AT_BOTTOM_PX = 48;
const CONTINUE_MS = 5 * 60_000;

const continues = (m: MessageView, prev: MessageView | undefined) =>
  prev !== undefined &&
  prev.senderRemoteId === m.senderRemoteId &&
  prev.senderName === m.senderName &&
  m.ts - prev.ts < CONTINUE_MS &&
  !m.subject;

interface Props {
  chatId: number;
  timeline: TimelineState;
  /** A message to bring into view and highlight (e.g. a search hit). */
  focusMessageId: number | null;
}

export function Timeline({ chatId, timeline, focusMessageId }: Props) {
  const { messages, loading, loadingOlder, hasOlder, error, loadOlder } = timeline;
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef<{ firstId: number | null; scrollHeight: number; scrollTop: number }>({
    firstId: null,
    scrollHeight: 0,
    scrollTop: 0,
  });

  // A new chat starts at the bottom.
  useLayoutEffect(() => {
    atBottom.current = true;
  }, [chatId]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const firstId = messages[0]?.id ?? null;
    const prev = before.current;
    if (prev.firstId !== null && firstId !== null && firstId < prev.firstId && !atBottom.current) {
      // Older messages went in above: keep what was on screen where it was.
      el.scrollTop = prev.scrollTop + (el.scrollHeight - prev.scrollHeight);
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { firstId, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
    // Too few messages to scroll: fetch more so the user can.
    if (hasOlder && !loadingOlder && el.scrollHeight <= el.clientHeight) loadOlder();
  }, [messages, hasOlder, loadingOlder, loadOlder]);

  useEffect(() => {
    if (focusMessageId === null) return;
    const el = scroller.current?.querySelector(`[data-message-id="${focusMessageId}"]`);
    if (el) {
      el.scrollIntoView({ block: 'center' });
      atBottom.current = false;
    }
  }, [focusMessageId, messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    before.current = { ...before.current, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
    if (el.scrollTop < LOAD_OLDER_PX && hasOlder && !loadingOlder) loadOlder();
  };

  return (
    <div className="timeline" ref={scroller} onScroll={onScroll}>
      {hasOlder ? (
        <p className="timeline-more" aria-live="polite">
          {loadingOlder ? 'Loading older messages…' : ''}
        </p>
      ) : messages.length > 0 ? (
        <p className="timeline-start">This is the beginning of the chat.</p>
      ) : null}
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {!loading && !error && messages.length === 0 ? (
        <p className="notice">No messages yet.</p>
      ) : null}
      <ol
        className="messages"
        role="log"
        aria-labelledby="chat-title"
        aria-live="polite"
        aria-busy={loading}
      >
        {messages.map((m, i) => (
          <MessageItem
            key={m.id}
            message={m}
            continued={continues(m, messages[i - 1])}
            highlighted={m.id === focusMessageId}
          />
        ))}
      </ol>
    </div>
  );
}
