// A loaded stretch of messages (oldest first) as timeline rows: day
// separators, sender grouping, thread replies folded under their root, and
// reply/thread lookups. Pure, so it is unit-tested in Node.
import type { MessageView } from '../../../main/daemon/model/types.js';

export type TimelineRow =
  | { kind: 'day'; key: string; ts: number }
  /** The "new messages" divider, above the first message the user had not read. */
  | { kind: 'unread'; key: 'unread' }
  | {
      kind: 'message';
      key: string;
      message: MessageView;
      /** Same sender as the row above, shortly after it: no header. */
      continued: boolean;
      /** Replies in this message's thread among the loaded messages. */
      threadReplies: number;
    };

const CONTINUE_MS = 5 * 60_000;

export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** Thread replies (not the root) are shown in the thread panel, not in the main timeline. */
export const isThreadReply = (m: MessageView): boolean =>
  m.threadRootRemoteId !== null && m.threadRootRemoteId !== m.remoteId;

export function threadCounts(messages: readonly MessageView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages)
    if (isThreadReply(m))
      counts.set(m.threadRootRemoteId!, (counts.get(m.threadRootRemoteId!) ?? 0) + 1);
  return counts;
}

const groupable = (m: MessageView) => m.kind !== 'system' && m.kind !== 'mail';

export function buildRows(
  messages: readonly MessageView[],
  firstUnreadId: number | null = null,
): TimelineRow[] {
  const counts = threadCounts(messages);
  const rows: TimelineRow[] = [];
  let prev: MessageView | undefined;
  let day = '';
  for (const m of messages) {
    if (isThreadReply(m)) continue;
    const d = dayKey(m.ts);
    if (d !== day) {
      rows.push({ kind: 'day', key: `day-${d}`, ts: m.ts });
      day = d;
      prev = undefined;
    }
    if (m.id === firstUnreadId) {
      rows.push({ kind: 'unread', key: 'unread' });
      prev = undefined;
    }
    const continued =
      prev !== undefined &&
      groupable(m) &&
      groupable(prev) &&
      prev.senderRemoteId === m.senderRemoteId &&
      prev.senderName === m.senderName &&
      m.ts - prev.ts < CONTINUE_MS;
    rows.push({
      kind: 'message',
      key: `m-${m.id}`,
      message: m,
      continued,
      threadReplies: m.remoteId ? (counts.get(m.remoteId) ?? 0) : 0,
    });
    prev = m;
  }
  return rows;
}

/**
 * The first unread message when the chat opened: counting back from the newest
 * loaded message the way the daemon counts unread (others' messages that are
 * not deleted), the `unread`-th one. Null when nothing is unread; the oldest
 * loaded message when the unread ones reach further back than what is loaded.
 */
export function firstUnread(
  messages: readonly MessageView[],
  unread: number,
  isMine: (m: MessageView) => boolean,
): number | null {
  if (unread <= 0 || messages.length === 0) return null;
  let seen = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (isMine(m) || m.deleted || m.outboxState !== null) continue;
    if (++seen === unread) return m.id;
  }
  return messages[0]!.id;
}

/** The messages of one thread, oldest first: the root (when loaded) and its replies. */
export function threadMessages(
  messages: readonly MessageView[],
  rootRemoteId: string,
): MessageView[] {
  return messages.filter(
    (m) => m.remoteId === rootRemoteId || m.threadRootRemoteId === rootRemoteId,
  );
}

/** The last message the user wrote that can still be edited (sent, not deleted, text). */
export function lastOwnEditable(
  messages: readonly MessageView[],
  isMine: (m: MessageView) => boolean,
): MessageView | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (!isMine(m)) continue;
    if (m.remoteId !== null && !m.deleted && (m.kind === 'text' || m.kind === 'emote')) return m;
  }
  return null;
}

export interface ThreadSummary {
  rootRemoteId: string;
  /** The root message, when loaded. */
  root: MessageView | null;
  replies: number;
  /** Replies from others at or after the first unread message when the chat opened. */
  unread: number;
  lastTs: number;
}

/**
 * The chat's threads among the loaded messages, latest activity first: each
 * root with its reply count and how many replies are new since the chat opened.
 */
export function threadList(
  messages: readonly MessageView[],
  firstUnreadId: number | null,
  isMine: (m: MessageView) => boolean,
): ThreadSummary[] {
  const byRoot = new Map<string, ThreadSummary>();
  const roots = new Map<string, MessageView>();
  for (const m of messages) if (m.remoteId) roots.set(m.remoteId, m);
  for (const m of messages) {
    if (!isThreadReply(m)) continue;
    const key = m.threadRootRemoteId!;
    let t = byRoot.get(key);
    if (!t)
      byRoot.set(
        key,
        (t = { rootRemoteId: key, root: roots.get(key) ?? null, replies: 0, unread: 0, lastTs: 0 }),
      );
    t.replies++;
    t.lastTs = Math.max(t.lastTs, m.ts);
    if (firstUnreadId !== null && m.id >= firstUnreadId && !isMine(m) && !m.deleted) t.unread++;
  }
  return [...byRoot.values()].sort((a, b) => b.lastTs - a.lastTs);
}
