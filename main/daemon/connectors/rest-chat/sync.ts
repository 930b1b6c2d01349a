// Reading a REST chat account into SyncBatches. The API has no change feed:
// the chat list is read whole (GET /chats?full=1) and each chat's messages are
// paged newest first (GET /chats/:id/messages?count&before, `before` = an
// integer message id). Per chat, cursor `newest:<chatId>` holds the newest
// message id we have; catch-up (after a restart or a websocket gap) re-pages
// from the top down to it. A chat seen for the first time gets its newest
// `windowPerChat` messages, and `backfill:<chatId>` holds the oldest id
// fetched so far (or 'done'), from which backfill() pages older history.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { SyncBatch } from '../../model/types.js';
import { appendAll, maxOf, minOf } from '../extremes.js';
import { BACKFILL_STREAM_PREFIX, type ConnectorContext } from '../connector.js';
import { chatBatch, messageToMessage, userRemoteId, userToPerson } from './mapping.js';
import type { RestSession } from './session.js';
import { statusOf } from './transport.js';
import {
  BlockedUsersSchema,
  ChatListSchema,
  MessagePageSchema,
  type ChatInfo,
  type MessageInfo,
} from './wire.js';

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
  const perChat: SyncBatch[] = [];
  const budget = { ageRefreshes: AGE_REFRESHES_PER_SYNC };
  for (const c of chats) perChat.push(await chatListEntry(ctx, s, c, budget));
  const merged = mergeBatches(perChat);
  // Chat by chat after the list, so the progress is the chats caught up out of the list.
  const total = chats.length;
  yield {
    ...merged,
    progress: { done: 0, total },
    removedChats: gone,
    state: {
      ...merged.state,
      [KNOWN_CHATS]: current,
      ...Object.fromEntries(
        gone.flatMap((id) => [
          [recentStream(id), null],
          [chatStateKey(id), null],
        ]),
      ),
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
    const batch = await readableOrSkipped(() => catchUpChat(ctx, s, chat, options));
    const progress = { done: i + 1, total };
    yield batch ? { ...batch, progress } : { progress };
  }
}

/**
 * A chat whose messages the server refuses us (403: a member blocked us in
 * it) still shows in the list; its messages are skipped until the block is
 * lifted, instead of failing the whole account's sync.
 */
async function readableOrSkipped<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (statusOf(err) === 403) return null;
    throw err;
  }
}

/**
 * What the last chat list said about a chat, to see what changed since: the
 * members (someone gone is a leave: the list names only who is there), the
 * user's settings on the server (given to the store only when they changed, so
 * a flag set here and not sent yet is not undone by an older answer), and the
 * users blocked in it with when that list was read (the server sends no event
 * for a block, so it is read again when the members change, after our own
 * block, or when older than BLOCKED_LIST_MAX_AGE_MS, a few chats per sync).
 */
const chatStateKey = (chatId: string) => `chat:${chatId}`;
const ChatStateSchema = z.object({
  members: z.array(z.string()),
  muted: z.boolean(),
  archived: z.boolean(),
  blocked: z.boolean(),
  blockedUsers: z.array(z.string()),
  blockedReadAt: z.number(),
});
type ChatState = z.infer<typeof ChatStateSchema>;
const BLOCKED_LIST_MAX_AGE_MS = 10 * 60_000;
/** Lists re-read only for their age, per sync: an account with many chats spreads them out. */
const AGE_REFRESHES_PER_SYNC = 10;

async function chatListEntry(
  ctx: ConnectorContext,
  s: RestSession,
  c: ChatInfo,
  budget: { ageRefreshes: number },
): Promise<SyncBatch> {
  const before = ctx.state(chatStateKey(c.id), ChatStateSchema);
  const batch = chatBatch(c, s.selfId);
  const chat = batch.chats![0]!;
  const members = (c.allUsers ?? []).map((u) => userRemoteId(u.id));
  const settings = {
    muted: c.isMuted ?? false,
    archived: c.isArchived ?? false,
    blocked: c.isBlocked ?? false,
  };
  // What the server held as far as we know: the last list, or our own write since.
  const known = before && { ...before, ...s.settingsWritten.get(c.id) };
  s.settingsWritten.delete(c.id);
  for (const key of ['muted', 'archived', 'blocked'] as const)
    if (!known || known[key] !== settings[key]) chat[key] = settings[key];
  const left = (before?.members ?? []).filter((id) => !members.includes(id));
  const old = before !== null && Date.now() - before.blockedReadAt > BLOCKED_LIST_MAX_AGE_MS;
  const stale =
    !before ||
    s.blockedListStale.has(c.id) ||
    left.length > 0 ||
    members.some((id) => !before.members.includes(id)) ||
    (old && budget.ageRefreshes-- > 0);
  let blockedUsers = before?.blockedUsers ?? [];
  let blockedReadAt = before?.blockedReadAt ?? 0;
  if (stale) {
    s.blockedListStale.delete(c.id);
    const list = await s.transport.json(
      'GET',
      `/chats/${encodeURIComponent(c.id)}/users/blocked`,
      BlockedUsersSchema,
      { signal: ctx.signal },
    );
    blockedUsers = list.map((u) => userRemoteId(u.id));
    blockedReadAt = Date.now();
    appendAll(
      batch.people!,
      list.map((u) => userToPerson(u, s.selfId)),
    );
  }
  // After the joins chatBatch lists, so a blocked member shows as banned.
  batch.members!.push(
    ...left.map((id) => ({ chatRemoteId: c.id, personRemoteId: id, membership: 'leave' })),
    ...blockedUsers.map((id) => ({ chatRemoteId: c.id, personRemoteId: id, membership: 'ban' })),
  );
  const state: ChatState = { members, ...settings, blockedUsers, blockedReadAt };
  return { ...batch, state: { [chatStateKey(c.id)]: state } };
}

/**
 * One chat's messages newer than `newest:<chatId>` (all of them, page by page),
 * or its first window when the chat is new to us; with them, the messages on
 * the newest page that changed (edited, deleted) since we last read it (state
 * `recent:<chatId>`, a fingerprint per message): without a change feed, that
 * page is where recent edits show. Null when nothing is new.
 *
 * It also notices a clear ("Clear chat", DELETE /chats/:id/messages: every
 * message of the chat goes). Its event, chatCleared, names no chat, and none
 * of our requests can ask which; but the pages can tell. A message never
 * leaves the server otherwise (a deleted one stays, with deletedAt), so when
 * the pages reach the start of the chat's history without meeting the newest
 * message we hold, that message and all before it were cleared: the batch
 * says so (clearedChats) with the messages posted since, which stay. The same
 * pages are read for any catch-up, so this costs no request, and a clear made
 * while Parley was away is noticed by the first catch-up after.
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
  let reachedKnown = false;
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
    appendAll(fetched, wanted);
    if (got.length < count) complete = true;
    // The first window is one page; a catch-up goes down until it meets what we have.
    reachedKnown = newestKnown === null || got.some((m) => m.id <= newestKnown);
    if (reachedKnown || complete || got.length === 0) break;
    before = minOf(got.map((m) => m.id));
  }
  // Cursor 0: a chat with nothing (left) to clear.
  let cleared = newestKnown !== null && newestKnown > 0 && complete && !reachedKnown;
  // A short page is the start of history, or only the server's (or a proxy's)
  // own cap on a page: before emptying the chat, ask for the newest message at
  // or before the one we hold. Any answer means nothing was cleared.
  if (cleared && (await page(s, chat.id, 1, newestKnown! + 1, ctx.signal)).length > 0)
    cleared = false;
  if (newestKnown !== null && fetched.length === 0 && !cleared) return null;
  // After a clear, what we have is what the pages brought: none, or the messages posted since.
  const newest = maxOf(
    fetched.map((m) => m.id),
    cleared ? 0 : (newestKnown ?? 0),
  );
  const cursors: Record<string, string | null> = { [newestStream(chat.id)]: String(newest) };
  if (newestKnown === null || cleared)
    cursors[backfillStream(chat.id)] =
      complete || fetched.length === 0 ? 'done' : String(minOf(fetched.map((m) => m.id)));
  const state = {
    [recentStream(chat.id)]: Object.fromEntries(
      (newestPage ?? []).map((m) => [m.id, fingerprint(m)]),
    ),
  };
  return {
    ...(cleared ? { clearedChats: [{ chatRemoteId: chat.id }] } : {}),
    messages: fetched.map((m) => messageToMessage(m, s.selfId)),
    cursors,
    state,
  };
}

/**
 * Messages that messageUpdate frames carried (edited, deleted, read), as one
 * batch: without a change feed the catch-up sees changes only on a chat's
 * newest page, so an edit or deletion further back is known from its frame
 * alone. Only chats of the last list (a frame can come before the list that
 * names a new chat; the catch-up after it reads that chat anyway). Frame dates
 * carry fractions of a second, HTTP dates none: they are cut to the second,
 * so the copy the catch-up reads later is the same.
 */
export function updatedMessages(
  ctx: ConnectorContext,
  s: RestSession,
  messages: MessageInfo[],
): SyncBatch | null {
  const known = new Set(ctx.state(KNOWN_CHATS, KnownChatsSchema) ?? []);
  const toSecond = (ms: number | undefined) =>
    ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;
  const mapped = messages
    .filter((m) => known.has(m.chatId))
    .map((m) =>
      messageToMessage(
        {
          ...m,
          createdAt: toSecond(m.createdAt),
          updatedAt: toSecond(m.updatedAt),
          editedAt: toSecond(m.editedAt),
          deletedAt: toSecond(m.deletedAt),
        },
        s.selfId,
      ),
    );
  return mapped.length ? { messages: mapped } : null;
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
      const got = await readableOrSkipped(() =>
        page(s, chatId, options.pageSize, Number(anchor), ctx.signal),
      );
      if (got === null) break; // blocked in this chat: its history waits
      // Cleared (or gone) while this page was read: the server has none of it any more.
      if (ctx.cursor(backfillStream(chatId)) !== anchor) break;
      const next = got.length < options.pageSize ? 'done' : String(minOf(got.map((m) => m.id)));
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
    state: Object.assign({}, ...batches.map((b) => b.state ?? {})) as Record<string, unknown>,
  };
}
