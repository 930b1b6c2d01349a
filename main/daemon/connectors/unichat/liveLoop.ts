// What live() does with the notification stream: the stream is read in the
// background into a queue, so typing can expire on a timer while a catch-up
// runs. Each turn takes everything queued: typing first (as it came), then
// one re-read of the subscription list when a group is new to us or gone
// (first: a new group's messages need its chat), else one re-read of each
// known group whose subscriptions changed, then one catch-up per group that
// had message news; at the stream's opening, the full catch-up that covers
// whatever happened while it was down.
import type { SyncBatch } from '../../model/types.js';
import type { ConnectorContext } from '../connector.js';
import { notifications, typeOf, type LiveSignal } from './live.js';
import type { UnichatSession } from './session.js';
import { EnteringSchema, MessageSchema } from './wire.js';
import { groupRemoteId, userRemoteId } from './mapping.js';
import { ProtocolError } from '../errors.js';
import { issueSummary } from '../http/index.js';

export interface LiveHandlers {
  typingTimeoutMs: number;
  catchUpAll(): AsyncIterable<SyncBatch>;
  catchUpGroup(groupId: string): AsyncIterable<SyncBatch>;
  subscriptionsChanged(): AsyncIterable<SyncBatch>;
  /** One known group's subscription again (participants, roles, read position, draft). */
  refreshGroup(groupId: string): AsyncIterable<SyncBatch>;
}

export async function* followNotifications(
  ctx: ConnectorContext,
  s: UnichatSession,
  h: LiveHandlers,
): AsyncGenerator<SyncBatch> {
  const queue: LiveSignal[] = [];
  let failure: unknown = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  void (async () => {
    try {
      for await (const item of notifications(s, signal)) {
        queue.push(item);
        poke();
      }
    } catch (err) {
      failure = err;
    } finally {
      ended = true;
      poke();
    }
  })();
  ctx.signal.addEventListener('abort', poke, { once: true });
  /** Group id → person id → when their typing lapses. */
  const typing = new Map<string, Map<string, number>>();
  let timer: NodeJS.Timeout | undefined;
  const typingBatch = (groupId: string): SyncBatch => ({
    typing: [{ chatRemoteId: groupId, personRemoteIds: [...(typing.get(groupId)?.keys() ?? [])] }],
  });
  try {
    for (;;) {
      const items = queue.splice(0);
      const out: SyncBatch[] = [];
      let all = false;
      let subscriptions = false;
      const groups = new Set<string>();
      const refresh = new Set<string>();
      for (const item of items) {
        if (item.kind === 'open') {
          all = true;
          continue;
        }
        const n = item.n;
        const type = typeOf(n);
        if (n.event === 'entering') {
          const e = EnteringSchema.safeParse(n.object);
          if (!e.success)
            throw new ProtocolError(
              `unichat entering: unexpected object (${issueSummary(e.error)})`,
            );
          const person = userRemoteId(e.data.user_id);
          if (person === s.selfId) continue;
          const groupId = groupRemoteId(e.data.group_id);
          const people = typing.get(groupId) ?? new Map<string, number>();
          const fresh = !people.has(person);
          people.set(person, Date.now() + h.typingTimeoutMs);
          typing.set(groupId, people);
          if (fresh) out.push(typingBatch(groupId));
        } else if (type === 'message') {
          const m = MessageSchema.safeParse(n.object);
          if (!m.success)
            throw new ProtocolError(
              `unichat ${n.event} message: unexpected object (${issueSummary(m.error)})`,
            );
          const groupId = groupRemoteId(m.data.group_id);
          if (s.subscriptions.has(groupId)) groups.add(groupId);
          else subscriptions = true;
          // Whoever posted has stopped typing.
          const person = m.data.user_id != null ? userRemoteId(m.data.user_id) : null;
          if (person && typing.get(groupId)?.delete(person)) out.push(typingBatch(groupId));
        } else if (type === 'subscription' || type === 'group') {
          // A known group's change (a role, a read position, a name) re-reads that group;
          // a group new to us, or one we left, re-reads the list.
          const o = n.object as { id?: unknown; group_id?: unknown; user_id?: unknown };
          const groupId = String(type === 'group' ? o.id : o.group_id);
          const ours = String(o.user_id) === s.selfId;
          if (s.subscriptions.has(groupId) && !(ours && n.event !== 'changed'))
            refresh.add(groupId);
          else subscriptions = true;
        }
        // Users' online state and the rest change nothing Parley keeps.
      }
      yield* out;
      if (all) yield* h.catchUpAll();
      else {
        if (subscriptions) yield* h.subscriptionsChanged();
        else for (const groupId of refresh) yield* h.refreshGroup(groupId);
        for (const groupId of groups) yield* h.catchUpGroup(groupId);
      }
      // Typing that lapsed.
      const now = Date.now();
      let next = Infinity;
      for (const [groupId, people] of typing) {
        let changed = false;
        for (const [person, until] of people)
          if (until <= now) {
            people.delete(person);
            changed = true;
          } else next = Math.min(next, until);
        if (changed) yield typingBatch(groupId);
        if (people.size === 0) typing.delete(groupId);
      }
      if (queue.length) continue;
      if (ctx.signal.aborted) return;
      if (ended) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (next !== Infinity) timer = setTimeout(poke, next - now + 5);
      });
      clearTimeout(timer);
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', poke);
    stop.abort();
  }
}
