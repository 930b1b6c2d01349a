// Reading a unichat account into SyncBatches. The subscription list
// (get_subscriptions, full form, paged by offset in id order) gives the chats,
// participants with roles, read positions and drafts. Each group's messages
// are synced by serial: every change to a message (new, edited, deleted)
// gives it a bigger serial, so `get_messages(after_serial)` (ascending
// serial) brings new, edited and deleted messages together, exactly once.
// Cursor `serial:<groupId>` is the greatest serial applied. A group seen for
// the first time gets its newest `windowPerChat` messages and the cursor is
// the group's last_serial as read *before* that window, so a change made
// meanwhile is read again rather than missed; `backfill:<groupId>` holds the
// oldest message id fetched (or 'done'), from which backfill() pages older
// history with before_id.
import * as z from 'zod';
import type { SyncBatch } from '../../model/types.js';
import { BACKFILL_STREAM_PREFIX, type ConnectorContext } from '../connector.js';
import { groupRemoteId, messagesBatch, subscriptionBatch, userRemoteId } from './mapping.js';
import type { UnichatSession } from './session.js';
import { maxOf, minOf } from '../extremes.js';
import {
  MessagesAnswer,
  SubscriptionsAnswer,
  type UniMessage,
  type UniSubscription,
} from './wire.js';

export interface UnichatSyncOptions {
  /** Messages per group on the first sync (newest first). */
  windowPerChat: number;
  /** Messages per request when catching up or backfilling. */
  pageSize: number;
  /** Subscriptions per get_subscriptions call. */
  subscriptionPage: number;
}

export const serialStream = (groupId: string) => `serial:${groupId}`;
export const backfillStream = (groupId: string) => `${BACKFILL_STREAM_PREFIX}${groupId}`;
/** State: group id → our subscription id, for the methods that take a subscription. */
export const SUBSCRIPTIONS = 'subscriptions';
export const SubscriptionsStateSchema = z.record(z.string(), z.number());
/** State per group: the participants' user ids last seen, to tell who left. */
const membersState = (groupId: string) => `members:${groupId}`;
const MembersSchema = z.array(z.string());
/** State per group: the draft the server had when we last looked. */
const draftState = (groupId: string) => `draft:${groupId}`;
const DraftSchema = z.string();

export async function allSubscriptions(
  ctx: ConnectorContext,
  s: UnichatSession,
  pageSize: number,
): Promise<UniSubscription[]> {
  // By id: a server that answers every page with the same full page (or one
  // subscription many times over) would otherwise grow this list until the
  // daemon runs out of memory. A page with nothing new ends the list.
  const all = new Map<number, UniSubscription>();
  for (let offset = 0; ; offset += pageSize) {
    const { subscriptions } = await s.transport.call(
      'get_subscriptions',
      { short: false, limit: pageSize, offset },
      SubscriptionsAnswer,
      { signal: ctx.signal },
    );
    const known = all.size;
    for (const sub of subscriptions) if (!all.has(sub.id)) all.set(sub.id, sub);
    if (subscriptions.length < pageSize || all.size === known) return [...all.values()];
  }
}

/** The subscription list, then each group's changes since its serial cursor. */
export async function* syncAccount(
  ctx: ConnectorContext,
  s: UnichatSession,
  options: UnichatSyncOptions,
): AsyncGenerator<SyncBatch> {
  const subs = await allSubscriptions(ctx, s, options.subscriptionPage);
  yield subscriptionsBatch(ctx, s, subs);
  // A group's read position (in the list) may name a message its catch-up
  // brings: the store holds it until that message is stored.
  for (const sub of subs) {
    if (ctx.signal.aborted) return;
    yield* catchUpGroup(ctx, s, groupRemoteId(sub.group_id), sub.group?.last_serial ?? 0, options);
  }
}

/**
 * Every subscription as one batch, with the groups we are no longer in
 * removed, participants who left marked so, and drafts another device saved.
 * `partial`: only some subscriptions (re-read after a notification); the
 * others stay as they are.
 */
export function subscriptionsBatch(
  ctx: ConnectorContext,
  s: UnichatSession,
  subs: UniSubscription[],
  { partial = false }: { partial?: boolean } = {},
): SyncBatch {
  const known = ctx.state(SUBSCRIPTIONS, SubscriptionsStateSchema) ?? {};
  // A partial list (one group re-read) changes only its own groups.
  const current: Record<string, number> = partial ? { ...known } : {};
  const parts = subs.map((sub) => subscriptionBatch(sub, s.selfId));
  const members = parts.flatMap((p) => p.members ?? []);
  const drafts: NonNullable<SyncBatch['drafts']> = [];
  const state: Record<string, unknown> = {};
  const cursors: Record<string, string | null> = {};
  for (const sub of subs) {
    const groupId = groupRemoteId(sub.group_id);
    current[groupId] = sub.id;
    s.subscriptions.set(groupId, sub.id);
    if (sub.group?.participants) {
      const now = sub.group.participants.map((p) => userRemoteId(p.user_id));
      const before = ctx.state(membersState(groupId), MembersSchema) ?? [];
      for (const gone of before.filter((id) => !now.includes(id)))
        members.push({ chatRemoteId: groupId, personRemoteId: gone, membership: 'leave' });
      state[membersState(groupId)] = now;
    }
    const draft = sub.draft ?? '';
    if (draft !== (ctx.state(draftState(groupId), DraftSchema) ?? '')) {
      state[draftState(groupId)] = draft;
      // Our own save coming back is not news (the local draft may be newer already).
      if (!(s.pushedDrafts.get(groupId) ?? []).includes(draft))
        drafts.push({ chatRemoteId: groupId, body: draft });
    }
  }
  const gone = Object.keys(known).filter((id) => !(id in current));
  for (const id of gone) {
    s.subscriptions.delete(id);
    state[membersState(id)] = null;
    state[draftState(id)] = null;
    cursors[serialStream(id)] = null;
    cursors[backfillStream(id)] = null;
  }
  state[SUBSCRIPTIONS] = current;
  return {
    spaces: parts.flatMap((p) => p.spaces ?? []),
    chats: parts.flatMap((p) => p.chats ?? []),
    people: parts.flatMap((p) => p.people ?? []),
    members,
    readPositions: parts.flatMap((p) => p.readPositions ?? []),
    drafts,
    removedChats: gone,
    state,
    cursors,
  };
}

function getMessages(
  ctx: ConnectorContext,
  s: UnichatSession,
  groupId: string,
  args: Record<string, unknown>,
): Promise<UniMessage[]> {
  return s.transport
    .call('get_messages', { group_id: Number(groupId), ...args }, MessagesAnswer, {
      signal: ctx.signal,
    })
    .then((a) => a.messages);
}

/**
 * One group's changes: its first window when new to us, else every message
 * whose serial passed the cursor, a page per batch, each batch advancing the
 * cursor it read up to.
 */
export async function* catchUpGroup(
  ctx: ConnectorContext,
  s: UnichatSession,
  groupId: string,
  lastSerialBefore: number,
  options: UnichatSyncOptions,
): AsyncGenerator<SyncBatch> {
  const cursor = ctx.cursor(serialStream(groupId));
  if (cursor === null) {
    const window = await getMessages(ctx, s, groupId, { limit: options.windowPerChat });
    const complete = window.length < options.windowPerChat;
    yield {
      ...messagesBatch(window, s.selfId),
      cursors: {
        [serialStream(groupId)]: String(lastSerialBefore),
        [backfillStream(groupId)]:
          complete || window.length === 0 ? 'done' : String(minOf(window.map((m) => m.id))),
      },
    };
    return;
  }
  let after = Number(cursor);
  for (;;) {
    if (ctx.signal.aborted) return;
    const got = await getMessages(ctx, s, groupId, {
      after_serial: after,
      limit: options.pageSize,
    });
    if (got.length === 0) return;
    after = maxOf(
      got.map((m) => m.serial),
      after,
    );
    yield { ...messagesBatch(got, s.selfId), cursors: { [serialStream(groupId)]: String(after) } };
    if (got.length < options.pageSize) return;
  }
}

/** Older history, group by group, one page per batch until each is done. */
export async function* backfillAccount(
  ctx: ConnectorContext,
  s: UnichatSession,
  options: UnichatSyncOptions,
): AsyncGenerator<SyncBatch> {
  const groups = Object.keys(ctx.state(SUBSCRIPTIONS, SubscriptionsStateSchema) ?? {});
  for (const groupId of groups) {
    let anchor = ctx.cursor(backfillStream(groupId));
    while (anchor !== null && anchor !== 'done') {
      if (ctx.signal.aborted) return;
      const got = await getMessages(ctx, s, groupId, {
        before_id: Number(anchor),
        limit: options.pageSize,
      });
      const next = got.length < options.pageSize ? 'done' : String(minOf(got.map((m) => m.id)));
      yield { ...messagesBatch(got, s.selfId), cursors: { [backfillStream(groupId)]: next } };
      anchor = next;
    }
  }
}
