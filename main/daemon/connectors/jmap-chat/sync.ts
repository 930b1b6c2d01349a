// Reading a JMAP Chat account into SyncBatches. Each type keeps its JMAP state
// as a cursor (stream = the type name), committed with the batch it produced:
// first run = /query + /get (messages: the newest `windowPerChat` of every
// chat), then /changes per type (changes.ts: one request for every type of a
// catch-up when their states are known); cannotCalculateChanges = a clean
// resync of that type. Reactions are a set on the server, so the set we last
// applied is remembered per message (stream "reactions:<id>") to know what to
// remove; an edited message's edits applied so far likewise ("edits:<id>"),
// so earlier texts become revisions. Backfill pages each chat below its initial window
// with Message/query anchors ("backfill:<chatId>": the oldest id so far, or
// "done" once the start of the chat is reached).
import type { RemotePerson, SyncBatch } from '../../model/types.js';
import * as z from 'zod';
import type { ConnectorContext } from '../connector.js';
import { parseArgs } from '../jmap/client.js';
import { CannotCalculateChangesError, JmapMethodError } from '../jmap/errors.js';
import { changedObjects, type ChangedPages } from './changes.js';
import {
  chatMembers,
  chatToChat,
  contactToPerson,
  reactionsOf,
  spaceToSpaces,
  withEdits,
} from './mapping.js';
import type { ChatSession } from './transport.js';
import {
  ChatContactSchema,
  ChatSchema,
  MessageSchema,
  ReadPositionSchema,
  SpaceSchema,
  type Chat,
  type Message,
} from './wire.js';

export interface ChatSyncOptions {
  /** Messages per chat on the first sync (newest first). */
  windowPerChat: number;
  /** Messages per batch. */
  pageSize: number;
  /** Messages per chat per backfill batch. */
  backfillPageSize: number;
}

export const STREAM = {
  contacts: 'ChatContact',
  spaces: 'Space',
  chats: 'Chat',
  messages: 'Message',
  readPositions: 'ReadPosition',
} as const;
const reactionStream = (messageId: string) => `reactions:${messageId}`;
/** The reactions we last delivered for a message, as [sender, key] pairs (connector state). */
const ReactionPairsSchema = z.array(z.tuple([z.string(), z.string()]));
const editStream = (messageId: string) => `edits:${messageId}`;
/** Per chat: the oldest message id fetched so far (the next backfill anchor), or 'done'. */
export const backfillStream = (chatId: string) => `backfill:${chatId}`;
const NEWEST_FIRST = [{ property: 'receivedAt', isAscending: false }];

/**
 * One small type (contacts, spaces, chats, read positions): everything on the
 * first run or after cannotCalculateChanges, else its changes — read here, or
 * `pages` already asked for with the other types of the catch-up.
 */
async function* smallType(
  ctx: ConnectorContext,
  s: ChatSession,
  type: string,
  toBatch: (list: Record<string, unknown>[], gone: string[], full: boolean) => SyncBatch,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  const since = ctx.cursor(type);
  if (since) {
    try {
      for await (const page of pages ?? changedObjects(ctx, s, type, since)) {
        if (page.list.length === 0 && page.gone.length === 0 && page.state === since) return;
        yield { ...toBatch(page.list, page.gone, false), cursors: { [type]: page.state } };
      }
      return;
    } catch (err) {
      if (!(err instanceof CannotCalculateChangesError)) throw err;
      ctx.log(`${err.message}: reloading every ${type}`);
    }
  }
  const all = await s.client.get(type, s.accountId, null, {}, ctx.signal);
  yield { ...toBatch(all.list, [], true), cursors: { [type]: all.state } };
}

function rememberContact(s: ChatSession, c: z.infer<typeof ChatContactSchema>): void {
  s.contacts.set(c.id, {
    name: c.displayName || c.login || c.id,
    login: c.login || c.id,
    presence: c.presence ?? null,
    statusText: c.statusText ?? null,
  });
}

/**
 * Every contact in the session's map, read once per session. Direct chats
 * and messages' senders are named after contacts, and a send finds its
 * @mentions among them; a first sync reads them all anyway, but a session
 * resuming from a committed ChatContact state (after a restart) would
 * otherwise know only the contacts changed since, and name a direct chat
 * after its contact's id.
 */
export function ensureContacts(s: ChatSession, signal: AbortSignal): Promise<void> {
  s.contactsLoaded ??= (async () => {
    const all = await s.client.get(STREAM.contacts, s.accountId, null, {}, signal);
    for (const raw of all.list)
      rememberContact(s, parseArgs(ChatContactSchema, 'ChatContact/get', raw));
  })().catch((err: unknown) => {
    s.contactsLoaded = null;
    throw err;
  });
  return s.contactsLoaded;
}

export async function* syncContacts(
  ctx: ConnectorContext,
  s: ChatSession,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  yield* smallType(
    ctx,
    s,
    STREAM.contacts,
    (list, _gone, full) => {
      const people: RemotePerson[] = [
        { remoteId: s.selfId, displayName: s.selfName, isSelf: true },
      ];
      for (const raw of list) {
        const c = parseArgs(ChatContactSchema, 'ChatContact/get', raw);
        rememberContact(s, c);
        people.push(contactToPerson(c));
      }
      if (full) s.contactsLoaded ??= Promise.resolve();
      return { people };
    },
    pages,
  );
}

export async function* syncSpaces(
  ctx: ConnectorContext,
  s: ChatSession,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  yield* smallType(
    ctx,
    s,
    STREAM.spaces,
    (list) => ({
      spaces: list.flatMap((raw) => spaceToSpaces(parseArgs(SpaceSchema, 'Space/get', raw))),
    }),
    pages,
  );
}

function chatBatch(s: ChatSession, chats: Chat[]): SyncBatch {
  for (const c of chats) s.knownChats.add(c.id);
  return {
    chats: chats.map((c) => chatToChat(s, c)),
    members: chats.flatMap((c) => chatMembers(s, c)),
  };
}

export async function* syncChats(
  ctx: ConnectorContext,
  s: ChatSession,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  yield* smallType(
    ctx,
    s,
    STREAM.chats,
    (list, gone) => {
      const batch = chatBatch(
        s,
        list.map((raw) => parseArgs(ChatSchema, 'Chat/get', raw)),
      );
      if (gone.length) batch.removedChats = gone;
      return batch;
    },
    pages,
  );
}

export async function* syncReadPositions(
  ctx: ConnectorContext,
  s: ChatSession,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  yield* smallType(
    ctx,
    s,
    STREAM.readPositions,
    (list) => {
      const readPositions = [];
      for (const raw of list) {
        const rp = parseArgs(ReadPositionSchema, 'ReadPosition/get', raw);
        s.readPositions.set(rp.chatId, rp.id);
        if (rp.lastReadMessageId)
          readPositions.push({ chatRemoteId: rp.chatId, messageRemoteId: rp.lastReadMessageId });
      }
      return { readPositions };
    },
    pages,
  );
}

/** Messages → one batch: the messages, reaction changes, and chats the store may not know yet (exported for the recorded-fixture test). */
export async function messageBatch(
  ctx: ConnectorContext,
  s: ChatSession,
  messages: Message[],
): Promise<SyncBatch> {
  const batch: SyncBatch = {
    messages: [],
    edits: [],
    reactionsAdded: [],
    reactionsRemoved: [],
    cursors: {},
  };
  const unknown = [...new Set(messages.map((m) => m.chatId))].filter((id) => !s.knownChats.has(id));
  if (unknown.length) {
    // A chat created after our Chat sync: bring it along, or the store could not file its messages.
    const got = await s.client.get('Chat', s.accountId, unknown, {}, ctx.signal);
    Object.assign(
      batch,
      chatBatch(
        s,
        got.list.map((raw) => parseArgs(ChatSchema, 'Chat/get', raw)),
      ),
    );
    const known = new Set(got.list.map((c) => c.id as string));
    messages = messages.filter((m) => known.has(m.chatId));
  }
  for (const m of messages) {
    const applied = Number(ctx.cursor(editStream(m.id)) ?? 0) || 0;
    const { message, edits, count } = withEdits(s, m, applied);
    batch.messages!.push(message);
    if (edits.length) batch.edits!.push(...edits);
    if (count !== applied && !message.deleted) batch.cursors![editStream(m.id)] = String(count);
    const now = reactionsOf(s, m);
    const stream = reactionStream(m.id);
    const before = ctx.state(stream, ReactionPairsSchema);
    const pairs = now.map((r): [string, string] => [r.senderRemoteId, r.key]).sort();
    if (before === null && now.length === 0) continue;
    if (JSON.stringify(before) === JSON.stringify(pairs)) continue;
    const current = new Set(now.map((r) => `${r.senderRemoteId}\n${r.key}`));
    for (const [sender, key] of before ?? [])
      if (!current.has(`${sender}\n${key}`))
        batch.reactionsRemoved!.push({ messageRemoteId: m.id, senderRemoteId: sender, key });
    batch.reactionsAdded!.push(...now);
    (batch.state ??= {})[stream] = pairs;
  }
  return batch;
}

const parseMessages = (list: Record<string, unknown>[]) =>
  list.map((raw) => parseArgs(MessageSchema, 'Message/get', raw));

/**
 * First run (and after cannotCalculateChanges): the Message state first, then
 * the newest messages of every chat, most recently active chats first. The
 * state is committed with the last batch, so a crash repeats the window
 * (upserts) and changes made meanwhile come with the next /changes.
 */
export async function* messageWindow(
  ctx: ConnectorContext,
  s: ChatSession,
  o: ChatSyncOptions,
): AsyncGenerator<SyncBatch> {
  const state = (await s.client.get('Message', s.accountId, [], {}, ctx.signal)).state;
  const chats = await s.client.query(
    'Chat',
    { accountId: s.accountId, sort: [{ property: 'lastMessageAt', isAscending: false }] },
    ctx.signal,
  );
  const pending: Message[] = [];
  // Where each chat's backfill starts, committed with the chat's window.
  let anchors: Record<string, string> = {};
  const flush = async (last: boolean): Promise<SyncBatch | null> => {
    if (!pending.length && !last) return null;
    const batch = await messageBatch(ctx, s, pending.splice(0));
    Object.assign(batch.cursors!, anchors);
    anchors = {};
    if (last) batch.cursors![STREAM.messages] = state;
    return batch;
  };
  for (const chatId of chats.ids) {
    const q = await s.client.query(
      'Message',
      { accountId: s.accountId, filter: { chatId }, sort: NEWEST_FIRST, limit: o.windowPerChat },
      ctx.signal,
    );
    // A resync keeps what backfill reached.
    if (ctx.cursor(backfillStream(chatId)) === null)
      anchors[backfillStream(chatId)] =
        q.ids.length < Math.min(o.windowPerChat, limitOf(q)) ? 'done' : q.ids[q.ids.length - 1]!;
    if (!q.ids.length) continue;
    pending.push(
      ...parseMessages((await s.client.get('Message', s.accountId, q.ids, {}, ctx.signal)).list),
    );
    if (pending.length >= o.pageSize) {
      const b = await flush(false);
      if (b) yield b;
    }
  }
  yield (await flush(true))!;
}

/** Messages: the window on the first run or after cannotCalculateChanges, else their changes (read here, or `pages` asked for with the catch-up's other types). */
export async function* syncMessages(
  ctx: ConnectorContext,
  s: ChatSession,
  o: ChatSyncOptions,
  pages?: ChangedPages,
): AsyncGenerator<SyncBatch> {
  const since = ctx.cursor(STREAM.messages);
  if (!since) return yield* messageWindow(ctx, s, o);
  try {
    for await (const page of pages ?? changedObjects(ctx, s, 'Message', since)) {
      if (page.list.length === 0 && page.gone.length === 0 && page.state === since) return;
      const batch = await messageBatch(ctx, s, parseMessages(page.list));
      if (page.gone.length)
        batch.deletions = page.gone.map((messageRemoteId) => ({ messageRemoteId }));
      batch.cursors![STREAM.messages] = page.state;
      yield batch;
    }
  } catch (err) {
    if (!(err instanceof CannotCalculateChangesError)) throw err;
    ctx.log(`${err.message}: resyncing messages`);
    yield* messageWindow(ctx, s, o);
  }
}

/** The page size the server actually used (it may cap what was asked). */
const limitOf = (q: Record<string, unknown>) =>
  typeof q.limit === 'number' && q.limit > 0 ? q.limit : Infinity;

/**
 * Older history, chat by chat (most recently active first): pages of
 * `backfillPageSize` below each chat's anchor, newest first, each batch with
 * the chat's new anchor ('done' at the start of the chat). A chat without an
 * anchor (one that came after the first sync) is read from its newest message
 * (upserts). An anchor the server no longer knows (the message was destroyed)
 * restarts that chat from the top.
 */
export async function* backfillMessages(
  ctx: ConnectorContext,
  s: ChatSession,
  o: ChatSyncOptions,
): AsyncGenerator<SyncBatch> {
  const chats = await s.client.query(
    'Chat',
    { accountId: s.accountId, sort: [{ property: 'lastMessageAt', isAscending: false }] },
    ctx.signal,
  );
  for (const chatId of chats.ids) {
    const stream = backfillStream(chatId);
    let anchor = ctx.cursor(stream);
    let restarted = false;
    while (anchor !== 'done' && !ctx.signal.aborted) {
      let q;
      try {
        q = await s.client.query(
          'Message',
          {
            accountId: s.accountId,
            filter: { chatId },
            sort: NEWEST_FIRST,
            ...(anchor ? { anchor, anchorOffset: 1 } : {}),
            limit: o.backfillPageSize,
          },
          ctx.signal,
        );
      } catch (err) {
        if (err instanceof JmapMethodError && err.type === 'anchorNotFound' && !restarted) {
          ctx.log(`backfill of chat ${chatId}: its anchor is gone, starting from the top`);
          anchor = null;
          restarted = true;
          continue;
        }
        throw err;
      }
      const got = q.ids.length
        ? parseMessages((await s.client.get('Message', s.accountId, q.ids, {}, ctx.signal)).list)
        : [];
      const batch = await messageBatch(ctx, s, got);
      anchor =
        q.ids.length === 0 || q.ids.length < Math.min(o.backfillPageSize, limitOf(q))
          ? 'done'
          : q.ids[q.ids.length - 1]!;
      batch.cursors![stream] = anchor;
      yield batch;
    }
  }
}
