// Reading a REST chat account into SyncBatches. The API has no change feed:
// the chat list is read whole (GET /chats?full=1) and each chat's messages are
// paged newest first (GET /chats/:id/messages?count&before, `before` = an
// integer message id). Per chat, cursor `newest:<chatId>` holds the newest
// message id we have; catch-up (after a restart or a websocket gap) re-pages
// from the top down to it. A chat seen for the first time gets its newest
// `windowPerChat` messages, and `backfill:<chatId>` holds the oldest id
// fetched so far (or 'done'), from which backfill() pages older history.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SyncBatch } from '../../model/types.js';
import { BACKFILL_STREAM_PREFIX, type ConnectorContext } from '../connector.js';
import { chatBatch, messageToMessage } from './mapping.js';
import type { RestSession } from './session.js';
import { ChatListSchema, MessagePageSchema, type ChatInfo, type MessageInfo } from './wire.js';

export interface RestSyncOptions {
  /** Messages per chat on the first sync (newest first). */
  windowPerChat: number;
  /** Messages per request when catching up or backfilling. */
  pageSize: number;
}

export const newestStream = (chatId: string) => `newest:${chatId}`;
/** State per chat: message id → fingerprint of the newest page as last delivered. */
const recentStream = (chatId: string) => `recent:${chatId}`;
const RecentSchema = z.record(z.string(), z.string());
/** What an edit or deletion changes; the text only as a short hash. */
const fingerprint = (m: MessageInfo): string =>
  [
    m.updatedAt ?? '',
    m.editedAt ?? '',
    m.deletedAt ?? '',
    m.attachments?.length ?? 0,
    createHash('sha256')
      .update(m.text ?? '')
      .digest('hex')
      .slice(0, 16),
  ].join('|');
export const backfillStream = (chatId: string) => `${BACKFILL_STREAM_PREFIX}${chatId}`;
/** The chat ids of the last full list, to see which chats went away. */
const KNOWN_CHATS = 'chats';
const KnownChatsSchema = z.array(z.string());

const path = (chatId: string, count: number, before?: number) =>
  `/chats/${encodeURIComponent(chatId)}/messages?count=${count}` +
  (before !== undefined ? `&before=${before}` : '');

export function page(
  s: RestSession,
  chatId: string,
  count: number,
  before: number | undefined,
  signal: AbortSignal,
): Promise<MessageInfo[]> {
  return s.transport.json('GET', path(chatId, count, before), MessagePageSchema, { signal });
}

/** The chat list, then each chat's new messages. */
export async function* syncAccount(
  ctx: ConnectorContext,
  s: RestSession,
  options: RestSyncOptions,
): AsyncGenerator<SyncBatch> {
  const chats = await s.transport.json('GET', '/chats?full=1', ChatListSchema, {
    signal: ctx.signal,
  });
  const known = ctx.state(KNOWN_CHATS, KnownChatsSchema) ?? [];
  const current = chats.map((c) => c.id);
  const gone = known.filter((id) => !current.includes(id));
  // Chat by chat, so the progress is the chats caught up out of the list.
  const total = chats.length;
  yield {
    ...mergeBatches(chats.map((c) => chatBatch(c, s.selfId))),
    progress: { done: 0, total },
    removedChats: gone,
    state: {
      [KNOWN_CHATS]: current,
      ...Object.fromEntries(gone.map((id) => [recentStream(id), null])),
    },
    cursors: Object.fromEntries(
      gone.flatMap((id) => [
        [newestStream(id), null],
        [backfillStream(id), null],
      ]),
    ),
  };
  for (const [i, chat] of chats.entries()) {
    if (ctx.signal.aborted) return;
    const batch = await catchUpChat(ctx, s, chat, options);
    const progress = { done: i + 1, total };
    yield batch ? { ...batch, progress } : { progress };
  }
}

/**
 * One chat's messages newer than `newest:<chatId>` (all of them, page by page),
 * or its first window when the chat is new to us; with them, the messages on
 * the newest page that changed (edited, deleted) since we last read it (state
 * `recent:<chatId>`, a fingerprint per message): without a change feed, that
 * page is where recent edits show. Null when nothing is new.
 */
export async function catchUpChat(
  ctx: ConnectorContext,
  s: RestSession,
  chat: Pick<ChatInfo, 'id'>,
  options: RestSyncOptions,
): Promise<SyncBatch | null> {
  const known = ctx.cursor(newestStream(chat.id));
  const newestKnown = known === null ? null : Number(known);
  const recent = ctx.state(recentStream(chat.id), RecentSchema) ?? {};
  let newestPage: MessageInfo[] | null = null;
  const fetched: MessageInfo[] = [];
  let before: number | undefined;
  let complete = false;
  const count = newestKnown === null ? options.windowPerChat : options.pageSize;
  for (;;) {
    const got = await page(s, chat.id, count, before, ctx.signal);
    const wanted =
      newestKnown === null
        ? got
        : got.filter(
            (m) => m.id > newestKnown || (recent[m.id] ?? fingerprint(m)) !== fingerprint(m),
          );
    newestPage ??= got;
    fetched.push(...wanted);
    if (got.length < count) complete = true;
    // The first window is one page; a catch-up goes down until it meets what we have.
    const reachedKnown = newestKnown === null || got.some((m) => m.id <= newestKnown);
    if (reachedKnown || complete || got.length === 0) break;
    before = Math.min(...got.map((m) => m.id));
  }
  if (newestKnown !== null && fetched.length === 0) return null;
  const newest = Math.max(newestKnown ?? 0, ...fetched.map((m) => m.id));
  const cursors: Record<string, string | null> = { [newestStream(chat.id)]: String(newest) };
  if (newestKnown === null)
    cursors[backfillStream(chat.id)] =
      complete || fetched.length === 0 ? 'done' : String(Math.min(...fetched.map((m) => m.id)));
  const state = {
    [recentStream(chat.id)]: Object.fromEntries(
      (newestPage ?? []).map((m) => [m.id, fingerprint(m)]),
    ),
  };
  return { messages: fetched.map((m) => messageToMessage(m, s.selfId)), cursors, state };
}

/** Older history, chat by chat, one page per batch until each chat is done. */
export async function* backfillAccount(
  ctx: ConnectorContext,
  s: RestSession,
  options: RestSyncOptions,
): AsyncGenerator<SyncBatch> {
  const chats = ctx.state(KNOWN_CHATS, KnownChatsSchema) ?? [];
  for (const chatId of chats) {
    let anchor = ctx.cursor(backfillStream(chatId));
    while (anchor !== null && anchor !== 'done') {
      if (ctx.signal.aborted) return;
      const got = await page(s, chatId, options.pageSize, Number(anchor), ctx.signal);
      const next =
        got.length < options.pageSize ? 'done' : String(Math.min(...got.map((m) => m.id)));
      yield {
        messages: got.map((m) => messageToMessage(m, s.selfId)),
        cursors: { [backfillStream(chatId)]: next },
      };
      anchor = next;
    }
  }
}

function mergeBatches(batches: SyncBatch[]): SyncBatch {
  const people = new Map<string, NonNullable<SyncBatch['people']>[number]>();
  for (const b of batches) for (const p of b.people ?? []) people.set(p.remoteId, p);
  return {
    chats: batches.flatMap((b) => b.chats ?? []),
    people: [...people.values()],
    members: batches.flatMap((b) => b.members ?? []),
  };
}
