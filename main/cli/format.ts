// Human-readable tables for the CLI. The --json output is the stable one.
import type { Account, ChatSummary, MessageView, SearchHit } from '../daemon/model/types.js';
import type { SyncProgress } from '../daemon/sync/progress.js';

const time = (ts: number) => new Date(ts).toISOString().replace('T', ' ').slice(0, 16);

export function formatAccounts(list: Account[]): string {
  if (list.length === 0) return 'no accounts\n';
  return list
    .map(
      (a) =>
        `${a.id}\t${a.protocol}\t${a.label}\t${a.server}\t${a.status}${a.statusDetail ? ` (${a.statusDetail})` : ''}\n`,
    )
    .join('');
}

export function formatChats(list: ChatSummary[]): string {
  if (list.length === 0) return 'no chats\n';
  return list
    .map((c) => {
      const badges = [
        c.unreadCount ? `${c.unreadCount} unread` : '',
        c.mentionCount ? `${c.mentionCount} @` : '',
        c.muted ? 'muted' : '',
        c.pinned ? 'pinned' : '',
      ].filter(Boolean);
      return `${c.id}\t${c.lastActivityTs ? time(c.lastActivityTs) : '-'}\t${c.name}${badges.length ? `\t[${badges.join(', ')}]` : ''}\n`;
    })
    .join('');
}

/** Oldest first, as a conversation reads. */
export function formatMessages(page: MessageView[]): string {
  if (page.length === 0) return 'no messages\n';
  return [...page]
    .reverse()
    .map((m) => {
      const state = m.outboxState ? ` (${m.outboxState})` : '';
      const body = m.deleted ? '(deleted)' : m.body + (m.edited ? ' (edited)' : '');
      return `${time(m.ts)}  ${m.senderName}: ${body}${state}\n`;
    })
    .join('');
}

export function formatSearchHits(hits: SearchHit[]): string {
  if (hits.length === 0) return 'no matches\n';
  return hits
    .map(
      (h) =>
        `${time(h.ts)}  ${h.chatName} · ${h.senderName}: ${h.snippet}  [chat ${h.chatId}, message ${h.messageId}]\n`,
    )
    .join('');
}

/** One account's `sync --once` outcome (`--json`). */
export interface SyncOnceResult {
  accountId: number;
  /** True when initial sync, catch-up and (unless skipped) backfill all finished. */
  complete: boolean;
  backfill: boolean;
  messagesStored: number;
  chatsBackfilled: number | null;
  chatsRemaining: number | null;
  error: string | null;
}

export function syncOnceResult(
  accountId: number,
  last: SyncProgress | null,
  backfill: boolean,
  error: string | null,
): SyncOnceResult {
  return {
    accountId,
    complete: error === null,
    backfill,
    messagesStored: last?.messagesStored ?? 0,
    chatsBackfilled: last?.chatsBackfilled ?? null,
    chatsRemaining: last?.chatsRemaining ?? null,
    error,
  };
}

const stored = (p: SyncProgress) =>
  `${p.messagesStored} message${p.messagesStored === 1 ? '' : 's'} stored`;
const chatCounts = (p: SyncProgress) =>
  p.chatsBackfilled === null
    ? ''
    : `; chats backfilled ${p.chatsBackfilled}, remaining ${p.chatsRemaining}`;

/** A progress line of `sync --once` (stderr). */
export function formatProgress(p: SyncProgress): string {
  if (p.phase === 'initial' && p.messagesStored === 0) return 'initial sync and catch-up';
  const phase = p.phase === 'initial' ? 'initial sync' : p.phase;
  return `${phase}: ${stored(p)}${p.phase === 'backfill' ? chatCounts(p) : ''}`;
}

const BAR_WIDTH = 20;

/**
 * The progress line a terminal redraws in place: a bar (when the share done
 * is known), the phase's counts and the time left.
 * "[#######.............]  35% initial sync: 140 of 400 chats, 1,203 messages stored, ~12 s left"
 */
export function formatProgressLine(p: SyncProgress): string {
  const bar =
    p.fraction === null
      ? ''
      : `[${'#'.repeat(Math.round(p.fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ${String(
          Math.round(p.fraction * 100),
        ).padStart(3)}% `;
  const phase = p.phase === 'initial' ? 'initial sync' : p.phase;
  const chats =
    p.chatsDone !== null && p.chatsTotal !== null
      ? `${p.chatsDone} of ${p.chatsTotal} chats, `
      : '';
  const eta = p.etaMs !== null ? `, ~${Math.max(1, Math.round(p.etaMs / 1000))} s left` : '';
  return `${bar}${phase}: ${chats}${stored(p)}${eta}`;
}

/** The last line of `sync --once` for an account that finished. */
export function formatOutcome(p: SyncProgress, backfill: boolean): string {
  if (backfill) return `complete: ${stored(p)}${chatCounts(p)}`;
  const older = p.chatsRemaining ? `; older history not fetched in ${p.chatsRemaining} chats` : '';
  return `up to date, backfill skipped: ${stored(p)}${older}`;
}
