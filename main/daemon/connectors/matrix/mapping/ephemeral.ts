// Ephemeral and per-user room data: our own read position (receipts and
// m.fully_read), who is typing, others' read receipts, presence.
import type { RemotePresence, RemoteReceipt } from '../../../model/types.js';
import type { BasicEvent } from '../wire.js';
import { num, obj, str, type Json } from './common.js';

/** Our own receipts and the fully-read marker → the newest event we have read. */
export function ownReadPosition(
  roomId: string,
  ephemeral: BasicEvent[],
  accountData: BasicEvent[],
  selfId: string,
): string | null {
  let latest: { id: string; ts: number } | null = null;
  for (const ev of ephemeral) {
    if (ev.type !== 'm.receipt') continue;
    for (const [eventId, receipts] of Object.entries(ev.content)) {
      for (const kind of ['m.read', 'm.read.private']) {
        const mine = obj(obj(obj(receipts)?.[kind])?.[selfId]);
        if (!mine) continue;
        const ts = num(mine.ts) ?? 0;
        if (!latest || ts >= latest.ts) latest = { id: eventId, ts };
      }
    }
  }
  if (latest) return latest.id;
  for (const ev of accountData) if (ev.type === 'm.fully_read') return str(ev.content.event_id);
  return null;
}

/** m.typing → who types now (without us); null when the sync said nothing about typing. */
export function typingOf(ephemeral: BasicEvent[], selfId: string): string[] | null {
  let users: string[] | null = null;
  for (const ev of ephemeral) {
    if (ev.type !== 'm.typing') continue;
    const ids = Array.isArray(ev.content.user_ids) ? ev.content.user_ids : [];
    users = ids.filter((u): u is string => typeof u === 'string' && u !== selfId);
  }
  return users;
}

/**
 * Public read receipts (m.read) of other people, unthreaded or on the main
 * timeline: the newest per person. Private receipts (m.read.private) are only
 * ever our own, which ownReadPosition handles.
 */
export function receiptsOf(
  roomId: string,
  ephemeral: BasicEvent[],
  selfId: string,
): RemoteReceipt[] {
  const latest = new Map<string, RemoteReceipt>();
  for (const ev of ephemeral) {
    if (ev.type !== 'm.receipt') continue;
    for (const [eventId, receipts] of Object.entries(ev.content)) {
      const read = obj(obj(receipts)?.['m.read']);
      if (!read) continue;
      for (const [userId, r] of Object.entries(read)) {
        if (userId === selfId) continue;
        const thread = str(obj(r)?.thread_id);
        if (thread && thread !== 'main') continue;
        const ts = num(obj(r)?.ts) ?? 0;
        const prev = latest.get(userId);
        if (!prev || ts >= prev.ts)
          latest.set(userId, {
            chatRemoteId: roomId,
            personRemoteId: userId,
            messageRemoteId: eventId,
            ts,
          });
      }
    }
  }
  return [...latest.values()];
}

const PRESENCE = new Set(['online', 'unavailable', 'offline']);

/** m.presence events (top-level in /sync) → presence, without our own. */
export function presenceOf(
  events: { type: string; sender: string; content: Json }[],
  selfId: string,
): RemotePresence[] {
  const out = new Map<string, RemotePresence>();
  for (const ev of events) {
    if (ev.type !== 'm.presence' || ev.sender === selfId) continue;
    const presence = str(ev.content.presence);
    if (!presence || !PRESENCE.has(presence)) continue;
    const active = ev.content.currently_active;
    out.set(ev.sender, {
      personRemoteId: ev.sender,
      presence: presence as RemotePresence['presence'],
      statusMsg: str(ev.content.status_msg),
      lastActiveAgoMs: num(ev.content.last_active_ago),
      currentlyActive: typeof active === 'boolean' ? active : null,
    });
  }
  return [...out.values()];
}
