// Reading a JMAP Mail account into SyncBatches: the initial window (newest
// first), catch-up with Email/changes and Mailbox/changes from the committed
// states, a resync of a type whose changes cannot be calculated (which also
// finds what the store holds that the server no longer has), and backfill
// below the window with Email/query anchors.
import type { HeldKind, RemotePerson, SyncBatch } from '../../model/types.js';
import * as z from 'zod';
import type { ConnectorContext } from '../connector.js';
import { readState } from '../context.js';
import { changesFailure, parseArgs, ref } from '../jmap/client.js';
import { CannotCalculateChangesError, JmapMethodError } from '../jmap/errors.js';
import {
  ChangesResponseSchema,
  GetResponseSchema,
  QueryResponseSchema,
  type ChangesResponse,
} from '../jmap/wire.js';
import { ProtocolError } from '../errors.js';
import {
  addressToPerson,
  emailToMessage,
  mailboxToSpace,
  readPosition,
  threadToChat,
} from './mapping.js';
import { loadMailboxes, roleMap, type MailSession } from './transport.js';
import { EMAIL_PROPERTIES, EmailSchema, ThreadSchema, type Email, type Mailbox } from './wire.js';

export const STREAM = {
  mailbox: 'Mailbox',
  email: 'Email',
  thread: 'Thread',
  backfill: 'Email.backfill',
} as const;
/** Where backfill goes on: below this email (or, if it is gone, before its date). */
const BackfillAnchorSchema = z.object({ anchor: z.string(), before: z.string() });

export interface MailSyncOptions {
  /** Emails in the initial window (newest first); older ones come by backfill. */
  windowSize: number;
  /** Emails per batch. */
  pageSize: number;
  /** Body text fetched per part; longer bodies are truncated (marked in raw). */
  maxBodyValueBytes: number;
  /** Held email ids checked per round of a resync (split into Email/get calls of maxObjectsInGet). */
  checkPageSize: number;
}

const THREAD_EMAIL_PROPERTIES = [
  'id',
  'threadId',
  'mailboxIds',
  'keywords',
  'receivedAt',
  'subject',
  'messageId',
];
const SORT = [{ property: 'receivedAt', isAscending: false }];

const emailGetArgs = (o: MailSyncOptions) => ({
  properties: [...EMAIL_PROPERTIES],
  fetchTextBodyValues: true,
  fetchHTMLBodyValues: true,
  maxBodyValueBytes: o.maxBodyValueBytes,
});

function parseEmails(list: unknown[]): Email[] {
  return list.map((e) => parseArgs(EmailSchema, 'Email/get', e));
}

/** Emails → one batch: the messages, their threads as chats, senders as people, read positions. */
export async function batchFor(
  s: MailSession,
  emails: Email[],
  signal: AbortSignal,
): Promise<SyncBatch> {
  const threadIds = [...new Set(emails.map((e) => e.threadId))];
  const batch: SyncBatch = { chats: [], messages: [], people: [], readPositions: [] };
  if (threadIds.length === 0) return batch;
  // Read positions are taken from answers asked for from here on.
  const askedAt = performance.now();
  // Thread/get and the light view of every email in those threads, in one
  // request through a result reference.
  const limit = s.client.session.core.maxObjectsInGet;
  const light = new Map<string, Email>();
  const threads = new Map<string, string[]>();
  const removed: string[] = [];
  for (let i = 0; i < threadIds.length; i += limit) {
    const chunk = threadIds.slice(i, i + limit);
    const res = await s.client.request(
      [
        ['Thread/get', { accountId: s.accountId, ids: chunk }, 't'],
        [
          'Email/get',
          {
            accountId: s.accountId,
            '#ids': ref('t', 'Thread/get', '/list/*/emailIds'),
            properties: THREAD_EMAIL_PROPERTIES,
          },
          'e',
        ],
      ],
      signal,
    );
    const t = res.parse('t', 'Thread/get', GetResponseSchema);
    for (const raw of t.list) {
      const th = parseArgs(ThreadSchema, 'Thread/get', raw);
      threads.set(th.id, th.emailIds);
    }
    removed.push(...(t.notFound ?? []));
    let lightList: unknown[];
    try {
      lightList = res.parse('e', 'Email/get', GetResponseSchema).list;
    } catch (err) {
      if (!(err instanceof JmapMethodError)) throw err;
      // Too many emails for one Email/get: ask in chunks.
      const ids = [...threads.values()].flat();
      lightList = (
        await s.client.get(
          'Email',
          s.accountId,
          ids,
          { properties: THREAD_EMAIL_PROPERTIES },
          signal,
        )
      ).list;
    }
    for (const e of parseEmails(lightList)) light.set(e.id, e);
  }
  for (const e of emails) light.set(e.id, { ...light.get(e.id), ...e });
  const byMessageId = new Map<string, string>();
  for (const e of light.values()) for (const mid of e.messageId ?? []) byMessageId.set(mid, e.id);
  const roles = roleMap(s);
  for (const [threadId, emailIds] of threads) {
    const members = emailIds.map((id) => light.get(id)).filter((e): e is Email => e !== undefined);
    const first = members[0];
    batch.chats!.push(threadToChat(threadId, first?.subject ?? '', members, roles, emailIds));
    // Exact (it may move back: a mail marked unread) only with every email of
    // the thread at hand, and from an answer asked for after our own last
    // $seen write to the thread: an older one may not show that write yet,
    // and the change it makes brings the thread again with the next sync.
    const rp = readPosition(threadId, members);
    const wrote = s.seenWrittenAt.get(threadId);
    if (members.length === emailIds.length && (wrote === undefined || wrote < askedAt))
      batch.readPositions!.push(rp);
    else if (rp.messageRemoteId !== null)
      batch.readPositions!.push({ chatRemoteId: threadId, messageRemoteId: rp.messageRemoteId });
  }
  const people = new Map<string, RemotePerson>();
  for (const e of emails) {
    for (const a of [...(e.from ?? []), ...(e.to ?? []), ...(e.cc ?? [])]) {
      const p = addressToPerson(a);
      if (p && !people.has(p.remoteId))
        people.set(p.remoteId, p.remoteId === s.selfAddress ? { ...p, isSelf: true } : p);
    }
    // A message whose thread vanished meanwhile is dropped; changes will tell.
    if (threads.has(e.threadId)) batch.messages!.push(emailToMessage(e, byMessageId));
  }
  batch.people = [...people.values()];
  if (removed.length) batch.removedChats = removed;
  // Read positions refer to messages; only keep those the batch or the store can know.
  return batch;
}

/** Spaces: Mailbox/changes from the cursor, or all mailboxes on first run / after cannotCalculateChanges. */
export async function* syncMailboxes(
  ctx: ConnectorContext,
  s: MailSession,
): AsyncGenerator<SyncBatch> {
  const since = ctx.cursor(STREAM.mailbox);
  if (since) {
    try {
      let changed = false;
      let state = since;
      for await (const page of s.client.changes('Mailbox', s.accountId, since, {
        signal: ctx.signal,
      })) {
        changed ||= page.created.length + page.updated.length + page.destroyed.length > 0;
        state = page.newState;
      }
      if (!changed && s.mailboxes.size > 0) return;
      const { list } = await loadMailboxes(s, ctx.signal);
      yield mailboxBatch(ctx, list, state);
      return;
    } catch (err) {
      if (!(err instanceof CannotCalculateChangesError)) throw err;
      ctx.log(`${err.message}: reloading all mailboxes`);
    }
  }
  const { list, state } = await loadMailboxes(s, ctx.signal);
  yield mailboxBatch(ctx, list, state);
}

/**
 * Every mailbox the account has, as spaces; the ones the store holds that
 * are not among them were deleted and go (their threads stay: their mail was
 * moved or destroyed, and Email changes say which).
 */
function mailboxBatch(ctx: ConnectorContext, list: Mailbox[], state: string): SyncBatch {
  const present = new Set(list.map((m) => m.id));
  const removed = [...held(ctx, 'spaces', 500)].filter((id) => !present.has(id));
  const batch: SyncBatch = {
    spaces: list.map(mailboxToSpace),
    cursors: { [STREAM.mailbox]: state },
  };
  if (removed.length) batch.removedSpaces = removed;
  return batch;
}

/** Every remote id of `kind` the store holds for the account, read `page` at a time. */
function* held(ctx: ConnectorContext, kind: HeldKind, page: number): Generator<string> {
  let after: string | null = null;
  for (;;) {
    const ids = ctx.heldRemoteIds(kind, after, page);
    if (ids.length === 0) return;
    yield* ids;
    after = ids[ids.length - 1]!;
  }
}

/** The newest `windowSize` email ids, the account's total, and the Email and Thread states of that moment. */
async function newestWindow(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): Promise<{ ids: string[]; total: number; state: string; threadState: string }> {
  const first = await s.client.request(
    [
      [
        'Email/query',
        { accountId: s.accountId, sort: SORT, limit: o.windowSize, calculateTotal: true },
        'q',
      ],
      // ids: [] answers just the state, taken at the same moment as the query.
      ['Email/get', { accountId: s.accountId, ids: [], properties: ['id'] }, 's'],
      ['Thread/get', { accountId: s.accountId, ids: [] }, 't'],
    ],
    ctx.signal,
  );
  const query = first.parse('q', 'Email/query', QueryResponseSchema);
  const state = first.parse('s', 'Email/get', GetResponseSchema).state;
  const threadState = first.parse('t', 'Thread/get', GetResponseSchema).state;
  return { ids: query.ids, total: query.total ?? query.ids.length, state, threadState };
}

/** The window's emails, `pageSize` at a time; an empty account gives one empty page. */
async function* windowPages(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
  ids: string[],
): AsyncGenerator<{ emails: Email[]; last: boolean }> {
  for (let i = 0; i < ids.length || i === 0; i += o.pageSize) {
    const pageIds = ids.slice(i, i + o.pageSize);
    const emails = pageIds.length
      ? parseEmails(
          (await s.client.get('Email', s.accountId, pageIds, emailGetArgs(o), ctx.signal)).list,
        )
      : [];
    const last = i + o.pageSize >= ids.length;
    yield { emails, last };
    if (last) return;
  }
}

/**
 * The newest `windowSize` emails, newest first, in batches. The Email state is
 * taken in the same request as the query, and committed with the last batch:
 * a crash before that repeats the window (upserts), never skips changes.
 */
export async function* initialWindow(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): AsyncGenerator<SyncBatch> {
  const window = await newestWindow(ctx, s, o);
  let oldest: Email | null = null;
  for await (const { emails, last } of windowPages(ctx, s, o, window.ids)) {
    const batch = await batchFor(s, emails, ctx.signal);
    for (const e of emails)
      if (!oldest || Date.parse(e.receivedAt) <= Date.parse(oldest.receivedAt)) oldest = e;
    if (last)
      batch.cursors = {
        [STREAM.email]: window.state,
        [STREAM.thread]: window.threadState,
        [STREAM.backfill]:
          window.ids.length >= window.total || !oldest
            ? 'done'
            : JSON.stringify({ anchor: oldest.id, before: oldest.receivedAt }),
      };
    yield batch;
  }
}

/**
 * After cannotCalculateChanges: the newest window again, then every email the
 * store holds is checked, and those the server no longer has are deleted in
 * the last batch, with the new state. The state is taken before the check, so
 * what is deleted after it comes with the next Email/changes; a sync that
 * breaks off before the last batch leaves the old state, and the next one
 * resyncs again (the window's batches are upserts).
 *
 * Why Email/get of the held ids and not Email/query over all mail: the check
 * costs what Parley holds, not what the server has (backfill may have stopped
 * at the history depth), in bounded requests of ids taken in order from the
 * store's index; and each answer is per id: notFound names a mail that does
 * not exist (RFC 8620 §5.1). Paging a query by position skips a mail when
 * another arrives or goes meanwhile, and a mail skipped there would be taken
 * for deleted here. With 100,000 mails that is 50 rounds of 2,000 ids, about
 * 3 MB of ids in all.
 */
export async function* resync(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): AsyncGenerator<SyncBatch> {
  const window = await newestWindow(ctx, s, o);
  for await (const { emails } of windowPages(ctx, s, o, window.ids))
    if (emails.length) yield await batchFor(s, emails, ctx.signal);
  const gone = await heldEmailsGone(ctx, s, o);
  const batch: SyncBatch = { cursors: { [STREAM.email]: window.state } };
  if (gone.length) batch.deletions = gone.map((messageRemoteId) => ({ messageRemoteId }));
  yield batch;
}

/** The held emails the server answers notFound for, `checkPageSize` ids per round. */
async function heldEmailsGone(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): Promise<string[]> {
  const gone: string[] = [];
  let page: string[] = [];
  const check = async () => {
    const got = await s.client.get('Email', s.accountId, page, { properties: ['id'] }, ctx.signal);
    // Only what the server names: an id it leaves out of both lists is not taken as gone.
    const asked = new Set(page);
    for (const id of got.notFound) if (asked.has(id)) gone.push(id);
    page = [];
  };
  for (const id of held(ctx, 'messages', o.checkPageSize)) {
    page.push(id);
    if (page.length >= o.checkPageSize) await check();
  }
  if (page.length) await check();
  return gone;
}

// Threads the server no longer has leave the chat list. A mail thread exists
// while it holds a mail (RFC 8621 §3): once every mail of a thread is
// destroyed, so is the thread, and its chat would otherwise stay, showing
// only "This message was deleted." Which thread a destroyed mail was in
// cannot be asked of the server (it is gone). Thread/changes from the
// committed `Thread` state names the destroyed threads: it travels in the
// request of each Email/changes page and its state commits in that page's
// batch (`catchUp`). That keeps the Thread state no older than any thread
// Parley holds: a thread created and destroyed after the state taken is left
// out of Thread/changes (RFC 8620 §5.2), so a Thread state left behind the
// mail would miss one that Parley had seen. Without a usable Thread state (a
// profile from before it, one the server cannot calculate changes from, or
// after a mail resync) `heldThreadsGone` checks every held thread instead.

/**
 * Every thread the store holds, checked by Thread/get, `checkPageSize` ids per
 * round: notFound is a thread that does not exist. The Thread state is taken
 * before the check, and committed with the threads found gone, in one batch.
 */
export async function* heldThreadsGone(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): AsyncGenerator<SyncBatch> {
  const state = (await s.client.get('Thread', s.accountId, [], {}, ctx.signal)).state;
  const gone: string[] = [];
  let page: string[] = [];
  const check = async () => {
    const got = await s.client.get('Thread', s.accountId, page, {}, ctx.signal);
    // Only what the server names: an id it leaves out of both lists is not taken as gone.
    const asked = new Set(page);
    for (const id of got.notFound) if (asked.has(id)) gone.push(id);
    page = [];
  };
  for (const id of held(ctx, 'chats', o.checkPageSize)) {
    page.push(id);
    if (page.length >= o.checkPageSize) await check();
  }
  if (page.length) await check();
  const batch: SyncBatch = { cursors: { [STREAM.thread]: state } };
  if (gone.length) batch.removedChats = gone;
  yield batch;
}

/**
 * One page of Email/changes and, in the same request, Thread/changes from
 * `threadSince` (when there is one) to its end. `thread` is null when the
 * server cannot calculate Thread changes from that state.
 */
async function changesPage(
  ctx: ConnectorContext,
  s: MailSession,
  since: string,
  threadSince: string | null,
): Promise<{ email: ChangesResponse; thread: { newState: string; destroyed: string[] } | null }> {
  const calls: [string, Record<string, unknown>, string][] = [
    ['Email/changes', { accountId: s.accountId, sinceState: since, maxChanges: 500 }, 'e'],
  ];
  if (threadSince)
    calls.push(['Thread/changes', { accountId: s.accountId, sinceState: threadSince }, 't']);
  const res = await s.client.request(calls, ctx.signal);
  let email: ChangesResponse;
  try {
    email = res.parse('e', 'Email/changes', ChangesResponseSchema);
  } catch (err) {
    throw changesFailure('Email', since, err);
  }
  if (!threadSince) return { email, thread: null };
  try {
    const first = res.parse('t', 'Thread/changes', ChangesResponseSchema);
    const destroyed = [...first.destroyed];
    let newState = first.newState;
    // More than one page of thread changes: the rest on their own, from there.
    if (first.hasMoreChanges)
      for await (const page of s.client.changes('Thread', s.accountId, first.newState, {
        signal: ctx.signal,
      })) {
        destroyed.push(...page.destroyed);
        newState = page.newState;
      }
    return { email, thread: { newState, destroyed } };
  } catch (err) {
    const failure = changesFailure('Thread', threadSince, err);
    if (!(failure instanceof CannotCalculateChangesError)) throw failure;
    ctx.log(`${failure.message}: checking every held thread`);
    return { email, thread: null };
  }
}

/**
 * Email/changes from the committed state, page by page; each page commits its
 * newState, with the Thread changes of the same request (see above: threads
 * gone leave the chat list). Without a usable Thread state, every held thread
 * is checked after the last page.
 */
export async function* catchUp(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
  since: string,
): AsyncGenerator<SyncBatch> {
  let threadSince = ctx.cursor(STREAM.thread);
  let state = since;
  for (let n = 0; ; n++) {
    const { email: page, thread } = await changesPage(ctx, s, state, threadSince);
    const destroyed = new Set(page.destroyed);
    const ids = [...new Set([...page.created, ...page.updated])].filter((id) => !destroyed.has(id));
    const got = ids.length
      ? await s.client.get('Email', s.accountId, ids, emailGetArgs(o), ctx.signal)
      : { list: [], notFound: [] };
    const batch = await batchFor(s, parseEmails(got.list), ctx.signal);
    const gone = [...destroyed, ...got.notFound];
    if (gone.length) batch.deletions = gone.map((messageRemoteId) => ({ messageRemoteId }));
    batch.cursors = { [STREAM.email]: page.newState };
    threadSince = thread?.newState ?? null;
    if (thread) {
      batch.cursors[STREAM.thread] = thread.newState;
      const removed = new Set([...(batch.removedChats ?? []), ...thread.destroyed]);
      if (removed.size) batch.removedChats = [...removed];
    }
    yield batch;
    if (!page.hasMoreChanges) break;
    if (page.newState === state || n > 10_000)
      throw new ProtocolError(`Email/changes: hasMoreChanges without progress from state ${state}`);
    state = page.newState;
  }
  if (threadSince === null) yield* heldThreadsGone(ctx, s, o);
}

/** Older mail below the initial window, one page per batch, until there is none. */
export async function* backfill(
  ctx: ConnectorContext,
  s: MailSession,
  o: MailSyncOptions,
): AsyncGenerator<SyncBatch> {
  for (;;) {
    const cursor = ctx.cursor(STREAM.backfill);
    if (!cursor || cursor === 'done' || ctx.signal.aborted) return;
    // The engine counts 'done' in this stream, so the anchor shares it as JSON.
    const at = readState(cursor, BackfillAnchorSchema);
    if (!at) {
      ctx.log('the stored mail backfill position is unreadable; backfill stops here');
      return;
    }
    let ids: string[];
    try {
      ids = (
        await s.client.query(
          'Email',
          {
            accountId: s.accountId,
            sort: SORT,
            anchor: at.anchor,
            anchorOffset: 1,
            limit: o.pageSize,
          },
          ctx.signal,
        )
      ).ids;
    } catch (err) {
      if (!(err instanceof JmapMethodError && err.type === 'anchorNotFound')) throw err;
      // The anchor email is gone: continue from its date (a little overlap, never a gap).
      const before = new Date(Date.parse(at.before) + 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      ids = (
        await s.client.query(
          'Email',
          { accountId: s.accountId, sort: SORT, filter: { before }, limit: o.pageSize },
          ctx.signal,
        )
      ).ids;
    }
    const emails = ids.length
      ? parseEmails(
          (await s.client.get('Email', s.accountId, ids, emailGetArgs(o), ctx.signal)).list,
        )
      : [];
    const batch = await batchFor(s, emails, ctx.signal);
    const oldest = emails.reduce<Email | null>(
      (a, e) => (!a || Date.parse(e.receivedAt) <= Date.parse(a.receivedAt) ? e : a),
      null,
    );
    batch.cursors = {
      [STREAM.backfill]:
        ids.length < o.pageSize || !oldest
          ? 'done'
          : JSON.stringify({ anchor: oldest.id, before: oldest.receivedAt }),
    };
    yield batch;
  }
}
