// JMAP Chat's ephemeral push events → the batch's typing and presence fields
// (never stored). EventSource sends `event: typing` / `event: presence`; the
// WebSocket sends `ChatTypingEvent` / `ChatPresenceEvent` after we asked for
// them with ChatStreamEnable (draft-atwood-jmap-chat-wss).
//
// The server repeats "typing: true" at most every 3 s while someone types and
// sends "typing: false" when they stop. A sender not heard from for the
// tracker's ttl is dropped, so a lost "stopped" cannot leave them typing.
import type { RemotePresence, SyncBatch } from '../../model/types.js';
import type { ChatSession } from './transport.js';
import { PresenceEventSchema, TypingEventSchema } from './wire.js';

export const TYPING_EVENTS = ['typing', 'ChatTypingEvent'];
export const PRESENCE_EVENTS = ['presence', 'ChatPresenceEvent'];
export const EPHEMERAL_EVENTS = [...TYPING_EVENTS, ...PRESENCE_EVENTS];

type TypingList = NonNullable<SyncBatch['typing']>[number];

export class TypingTracker {
  /** chat → sender → when their "typing" runs out. */
  private readonly chats = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs: number) {}

  private list(chatId: string): TypingList {
    return { chatRemoteId: chatId, personRemoteIds: [...(this.chats.get(chatId)?.keys() ?? [])] };
  }

  /** One typing event; the chat's new list when it changed. */
  apply(chatId: string, senderId: string, typing: boolean, now: number): TypingList | null {
    let senders = this.chats.get(chatId);
    const was = senders?.has(senderId) ?? false;
    if (typing) {
      if (!senders) this.chats.set(chatId, (senders = new Map()));
      senders.set(senderId, now + this.ttlMs);
    } else if (senders) {
      senders.delete(senderId);
      if (senders.size === 0) this.chats.delete(chatId);
    }
    return was === typing ? null : this.list(chatId);
  }

  /** Senders not heard from in time are dropped; the lists that changed. */
  expire(now: number): TypingList[] {
    const changed: TypingList[] = [];
    for (const [chatId, senders] of this.chats) {
      let dropped = false;
      for (const [sender, until] of senders)
        if (until <= now) {
          senders.delete(sender);
          dropped = true;
        }
      if (!dropped) continue;
      changed.push(this.list(chatId));
      if (senders.size === 0) this.chats.delete(chatId);
    }
    return changed;
  }

  /** When the next sender runs out, if anyone types. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const senders of this.chats.values())
      for (const until of senders.values()) if (next === null || until < next) next = until;
    return next;
  }
}

/** JMAP Chat presence → the model's three states. */
export function presenceState(p: string | null | undefined): RemotePresence['presence'] {
  if (p === 'online') return 'online';
  if (p === 'away' || p === 'busy') return 'unavailable';
  return 'offline';
}

/**
 * One ephemeral event as a batch (typing or presence), or null when it changes
 * nothing or is malformed (logged: a bad ephemeral event is never worth failing live sync).
 */
export function ephemeralBatch(
  s: ChatSession,
  typing: TypingTracker,
  name: string,
  data: unknown,
  now: number,
  log: (line: string) => void,
): SyncBatch | null {
  if (TYPING_EVENTS.includes(name)) {
    const e = TypingEventSchema.safeParse(data);
    if (!e.success) {
      log(`push: ignored a malformed ${name}`);
      return null;
    }
    const sender = e.data.senderId === 'self' ? s.selfId : e.data.senderId;
    if (sender === s.selfId) return null;
    const list = typing.apply(e.data.chatId, sender, e.data.typing, now);
    return list ? { typing: [list] } : null;
  }
  if (PRESENCE_EVENTS.includes(name)) {
    const e = PresenceEventSchema.safeParse(data);
    if (!e.success) {
      log(`push: ignored a malformed ${name}`);
      return null;
    }
    const p = e.data;
    if (p.contactId === s.selfId) return null;
    // An absent field is unchanged (wss draft): fall back to what the contact sync said.
    const known = s.contacts.get(p.contactId);
    if (known) {
      if (p.presence !== undefined) known.presence = p.presence;
      if (p.statusText !== undefined) known.statusText = p.statusText;
    }
    const presence = p.presence !== undefined ? p.presence : (known?.presence ?? null);
    const statusMsg = p.statusText !== undefined ? p.statusText : (known?.statusText ?? null);
    const lastActive = p.lastActiveAt ? Date.parse(p.lastActiveAt) : NaN;
    return {
      presence: [
        {
          personRemoteId: p.contactId,
          presence: presenceState(presence),
          statusMsg: statusMsg ?? null,
          lastActiveAgoMs: Number.isNaN(lastActive) ? null : Math.max(0, now - lastActive),
          currentlyActive: presence === 'online',
        },
      ],
    };
  }
  return null;
}
