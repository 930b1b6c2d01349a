// The open chat's messages, newest at the bottom, virtualized: only the rows
// near the viewport are in the DOM, each measured once it renders. The row at
// the top of the viewport is the anchor: when older pages load above it, or a
// row above it changes height, the scroll position moves with it, so what is
// on screen stays put. At the bottom, the view follows new messages — unless
// the loaded window stops short of the newest (after a jump to an old message):
// then nearing the bottom loads newer pages below, and "Jump to latest" reloads
// the newest page.
//
// The window itself is bounded (useTimeline's MAX_WINDOW): paging one way
// drops pages at the other end, and they load again on the way back, so
// memory and layout stay bounded however long the chat. A row whose height
// changes above the anchor (an image that loads) moves the view with it.
//
// Virtualized by hand (lib/virtualRows.ts), not by @tanstack/react-virtual as
// the chat list is: the timeline needs an anchor kept by row key across
// prepends and trims (older pages load above what is on screen), which
// TanStack keeps by index and leaves to the caller.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';
import type { TimelineState } from '../hooks/useTimeline.js';
import { buildRows, type TimelineRow } from '../lib/timelineRows.js';
import { layoutRows, rowAt, settledInView, visibleRange } from '../lib/virtualRows.js';
import { strings } from '../lib/strings.js';
import { whenIdle } from '../lib/whenIdle.js';
import { DaySeparator } from './DaySeparator.js';
import { MessageItem } from './MessageItem.js';
import type { Reader } from './ReadReceipts.js';
import { UnreadDivider } from './UnreadDivider.js';

const OVERSCAN_PX = 800;
/** The rendered window moves in steps of this many pixels, not on every scroll event. */
const STEP_PX = 200;
const LOAD_OLDER_PX = 1500;
const LOAD_NEWER_PX = 1500;
const AT_BOTTOM_PX = 48;

const estimate = (row: TimelineRow | undefined) =>
  !row
    ? 56
    : row.kind === 'day' || row.kind === 'unread'
      ? 40
      : row.continued
        ? 26
        : row.message.kind === 'mail'
          ? 160
          : 52;

interface Props {
  chatId: number;
  timeline: TimelineState;
  /** A message to bring into view and highlight (e.g. a search hit). */
  focusMessageId: number | null;
  /** The first message that was unread when the chat opened: the "new messages" divider. */
  firstUnreadId?: number | null;
  /** Message id → the people whose read receipt is there. */
  readers?: ReadonlyMap<number, readonly Reader[]>;
}

const Row = memo(function Row({
  row,
  top,
  highlighted,
  repliedTo,
  observe,
  readBy,
}: {
  row: TimelineRow;
  top: number;
  highlighted: boolean;
  repliedTo: MessageView | null | undefined;
  observe: (el: HTMLLIElement | null) => void;
  readBy: readonly Reader[] | undefined;
}) {
  if (row.kind === 'day')
    return <DaySeparator ts={row.ts} rowKey={row.key} top={top} observe={observe} />;
  if (row.kind === 'unread') return <UnreadDivider rowKey={row.key} top={top} observe={observe} />;
  return (
    <MessageItem
      rowKey={row.key}
      top={top}
      observe={observe}
      message={row.message}
      continued={row.continued}
      threadReplies={row.threadReplies}
      highlighted={highlighted}
      repliedTo={repliedTo}
      readBy={readBy}
    />
  );
});

export function Timeline({
  chatId,
  timeline,
  focusMessageId,
  firstUnreadId = null,
  readers,
}: Props) {
  const { messages, loading, loadingOlder, hasOlder, error, loadOlder, ensureLoaded } = timeline;
  const { hasNewer, loadingNewer, loadNewer, loadLatest } = timeline;
  const rows = useMemo(() => buildRows(messages, firstUnreadId), [messages, firstUnreadId]);
  const keys = useMemo(() => rows.map((r) => r.key), [rows]);
  const index = useMemo(() => new Map(keys.map((k, i) => [k, i])), [keys]);
  const byRemoteId = useMemo(() => {
    const map = new Map<string, MessageView>();
    for (const m of messages) if (m.remoteId) map.set(m.remoteId, m);
    return map;
  }, [messages]);

  const heights = useRef(new Map<string, number>());
  const [measured, setMeasured] = useState(0);
  // Heights of rows the bounded window dropped go with them (they are measured again on return).
  useEffect(() => {
    const map = heights.current;
    if (map.size <= keys.length * 2) return;
    for (const key of [...map.keys()]) if (!index.has(key)) map.delete(key);
  }, [keys, index]);
  // `measured` is a dependency on purpose: it says the heights map changed.
  const layout = useMemo(
    () => layoutRows(keys, heights.current, (i) => estimate(rows[i])),
    [keys, rows, measured],
  );
  const layoutRef = useRef(layout);
  layoutRef.current = layout;

  const scroller = useRef<HTMLDivElement>(null);
  const space = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 1000 });
  const stick = useRef(true);
  const hasNewerRef = useRef(hasNewer);
  hasNewerRef.current = hasNewer;
  /** "Jump to latest" asked for the newest page; stick to the bottom once it is loaded. */
  const wantLatest = useRef(false);
  const anchor = useRef<{ key: string; delta: number } | null>(null);

  // A new chat starts at the bottom.
  useLayoutEffect(() => {
    stick.current = true;
    anchor.current = null;
    heights.current.clear();
  }, [chatId]);

  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            let changed = false;
            for (const entry of entries) {
              const el = entry.target as HTMLElement;
              const key = el.dataset.rowKey;
              if (!key) continue;
              const h = entry.borderBoxSize?.[0]?.blockSize ?? el.offsetHeight;
              if (h > 0 && Math.abs((heights.current.get(key) ?? -1) - h) > 0.5) {
                heights.current.set(key, h);
                changed = true;
              }
            }
            if (changed) setMeasured((n) => n + 1);
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);
  const observe = useCallback(
    (el: HTMLLIElement | null) => {
      if (el && observer) observer.observe(el);
    },
    [observer],
  );

  const keysRef = useRef(keys);
  keysRef.current = keys;
  const remember = useCallback((el: HTMLDivElement) => {
    const l = layoutRef.current;
    stick.current =
      !hasNewerRef.current && el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    const i = rowAt(l, el.scrollTop);
    const key = keysRef.current[i];
    anchor.current = key ? { key, delta: (l.offsets[i] ?? 0) - el.scrollTop } : null;
  }, []);

  /** The scroller's height at the last scroll or resize (read there: reading it in render would force a layout). */
  const viewportHeight = useRef(0);
  const updateView = useCallback((el: HTMLDivElement) => {
    viewportHeight.current = el.clientHeight;
    const top = Math.floor(el.scrollTop / STEP_PX) * STEP_PX;
    const height = Math.ceil(el.clientHeight / STEP_PX) * STEP_PX + STEP_PX;
    setView((v) => (v.top === top && v.height === height ? v : { top, height }));
  }, []);

  /** Where the viewport will be once the layout effect has kept the anchor (or the bottom). */
  const renderTop = (): number => {
    let top: number | null = null;
    // Before the first scroll or resize (a chat just opened), the view's own estimate.
    if (stick.current && !hasNewer)
      top = layout.total - (viewportHeight.current || view.height - STEP_PX);
    else if (anchor.current) {
      const i = index.get(anchor.current.key);
      if (i !== undefined) top = (layout.offsets[i] ?? 0) - anchor.current.delta;
    }
    return top === null ? view.top : Math.floor(Math.max(0, top) / STEP_PX) * STEP_PX;
  };

  const nearBottom = (el: HTMLDivElement) =>
    el.scrollHeight - el.scrollTop - el.clientHeight < LOAD_NEWER_PX;

  // Set again on mount: StrictMode (development) unmounts and mounts once more.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // The first rows rendered are those in the viewport, nothing around it: an
  // opening chat shows them sooner (half the rows to render and lay out). The
  // overscan above and below follows when the thread is idle, after they have
  // painted (a scroll before then renders what it reaches, as always).
  const [overscan, setOverscan] = useState(0);
  const hasRows = rows.length > 0;
  useEffect(() => {
    if (overscan === 0 && hasRows) whenIdle(() => mounted.current && setOverscan(OVERSCAN_PX));
  }, [overscan, hasRows]);

  // After every layout change: keep the anchor (or the bottom) where it was.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (wantLatest.current && !hasNewer) {
      wantLatest.current = false;
      stick.current = true;
    }
    // The bottom of a window short of the newest is not "the latest": no following.
    if (hasNewer) stick.current = false;
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const i = index.get(anchor.current.key);
      if (i !== undefined) {
        const want = (layout.offsets[i] ?? 0) - anchor.current.delta;
        if (Math.abs(el.scrollTop - want) > 0.5) el.scrollTop = want;
      }
    }
    updateView(el);
    // When idle, after this frame has painted: a chat that just opened shows
    // its first page first, and neither the read of the next page (nor the
    // "loading" line it shows) nor its answer is rendered before it. A scroll
    // near either end asks at once (onScroll).
    if (hasOlder && !loadingOlder && el.scrollTop < LOAD_OLDER_PX)
      whenIdle(() => mounted.current && loadOlder());
    if (hasNewer && !loadingNewer && nearBottom(el)) whenIdle(() => mounted.current && loadNewer());
  }, [
    layout,
    index,
    hasOlder,
    loadingOlder,
    loadOlder,
    hasNewer,
    loadingNewer,
    loadNewer,
    updateView,
  ]);

  // Bring a search hit into view, loading a window around it when it is not loaded.
  const focused = useRef<number | null>(null);
  useEffect(() => {
    if (focusMessageId === null || focused.current === focusMessageId) return;
    const i = index.get(`m-${focusMessageId}`);
    if (i === undefined) {
      if (!loading) void ensureLoaded(focusMessageId);
      return;
    }
    const el = scroller.current;
    if (!el) return;
    focused.current = focusMessageId;
    const top = layout.offsets[i] ?? 0;
    const h = (layout.offsets[i + 1] ?? top) - top;
    stick.current = false;
    const delta = Math.min(el.clientHeight / 3, Math.max(0, (el.clientHeight - h) / 2));
    anchor.current = { key: `m-${focusMessageId}`, delta };
    el.scrollTop = top - delta;
    updateView(el);
  }, [focusMessageId, index, layout, loading, ensureLoaded, updateView]);

  const [away, setAway] = useState(false);
  /** The divider was reached (scrolled past or jumped to): no more "jump to first unread". */
  const [unreadSeen, setUnreadSeen] = useState(false);
  const unreadIndex = index.get('unread');
  const unreadTop = unreadIndex !== undefined ? (layout.offsets[unreadIndex] ?? 0) : null;
  const unreadAbove = unreadTop !== null && !unreadSeen && unreadTop < view.top;
  // Seen only in a settled view: while the first pages load and rows are
  // still estimated, an intermediate layout can pass the divider through the
  // viewport before the view comes to rest at the bottom, and the jump to it
  // would be gone before anyone saw it.
  useEffect(() => {
    const el = scroller.current;
    if (unreadSeen || unreadTop === null || !el) return;
    if (loading || loadingOlder || loadingNewer) return;
    // The rows' offsets start below the timeline's edge (the "loading older" line).
    const top = el.scrollTop - (space.current?.offsetTop ?? 0);
    if (settledInView(layout, keys, heights.current, top, el.clientHeight, unreadTop))
      setUnreadSeen(true);
  }, [unreadSeen, unreadTop, view, layout, keys, loading, loadingOlder, loadingNewer]);
  const jumpToFirstUnread = () => {
    const el = scroller.current;
    if (!el || unreadTop === null) return;
    stick.current = false;
    anchor.current = { key: 'unread', delta: 16 };
    el.scrollTop = unreadTop - 16;
    setUnreadSeen(true);
    updateView(el);
  };
  const jumpToLatest = () => {
    const el = scroller.current;
    if (!el) return;
    if (hasNewer) {
      // The layout effect sticks to the bottom once the newest page replaced the window.
      wantLatest.current = true;
      anchor.current = null;
      setAway(false);
      void loadLatest();
      return;
    }
    stick.current = true;
    anchor.current = null;
    el.scrollTop = el.scrollHeight;
    setAway(false);
    updateView(el);
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    remember(el);
    setAway(!stick.current && el.scrollHeight - el.scrollTop - el.clientHeight > el.clientHeight);
    updateView(el);
    if (el.scrollTop < LOAD_OLDER_PX && hasOlder && !loadingOlder) loadOlder();
    if (hasNewer && !loadingNewer && nearBottom(el)) loadNewer();
  };

  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
      updateView(el);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [updateView]);

  // The rows to render follow the anchor, not the last scroll event: a page
  // loaded above (or rows dropped, or rows measured) moves every offset, and
  // the stale scroll position would pick a different stretch of rows, mounted
  // only to be replaced once the layout effect has restored the anchor (the
  // whole rendered window twice, the longest tasks of a scroll).
  const { start, end } = visibleRange(layout, renderTop(), view.height, overscan);
  const visible = rows.slice(start, end);

  return (
    <div
      className="timeline"
      ref={scroller}
      onScroll={onScroll}
      tabIndex={0}
      role="log"
      aria-labelledby="chat-title"
      aria-live="polite"
      aria-busy={loading}
      data-total-rows={rows.length}
      data-loaded-messages={messages.length}
    >
      <div className="timeline-edge">
        {hasOlder ? (
          <p className="timeline-more" aria-live="polite">
            {loadingOlder ? strings.timeline.loadingOlder : ''}
          </p>
        ) : messages.length > 0 ? (
          <p className="timeline-start">{strings.timeline.start}</p>
        ) : null}
        {error ? (
          <p className="notice error" role="alert">
            {error}
          </p>
        ) : null}
        {!loading && !error && messages.length === 0 ? (
          <p className="notice">{strings.timeline.empty}</p>
        ) : null}
      </div>
      {/* The rows flow inside a list moved down to where the first rendered row
          starts: a row's props carry no position, so measuring a row or loading a
          page above re-renders no message (MessageItem is memoized), only the
          list's offset and the space's height change. */}
      <div className="messages-space" ref={space} style={{ height: layout.total }}>
        <ol
          className="messages"
          aria-label={strings.timeline.label}
          style={{ transform: `translateY(${layout.offsets[start] ?? 0}px)` }}
        >
          {visible.map((row) => (
            <Row
              key={row.key}
              row={row}
              top={0}
              highlighted={row.kind === 'message' && row.message.id === focusMessageId}
              repliedTo={
                row.kind === 'message' && row.message.replyToRemoteId
                  ? (byRemoteId.get(row.message.replyToRemoteId) ?? null)
                  : undefined
              }
              observe={observe}
              readBy={row.kind === 'message' ? readers?.get(row.message.id) : undefined}
            />
          ))}
        </ol>
      </div>
      {unreadAbove ? (
        <button type="button" className="jump-unread" onClick={jumpToFirstUnread}>
          ↑ Jump to first unread
        </button>
      ) : null}
      {hasNewer ? (
        <p className="timeline-more" aria-live="polite">
          {loadingNewer ? strings.timeline.loadingNewer : ''}
        </p>
      ) : null}
      {away || hasNewer ? (
        <button type="button" className="jump-latest" onClick={jumpToLatest}>
          {strings.timeline.jumpToLatest}
        </button>
      ) : null}
    </div>
  );
}
