// Push: RFC 8620 §7.3 EventSource, RFC 8887 WebSocket push (StateChange with
// pushState), the draft's ephemeral typing and presence events on both, and
// RFC 8620 §7.2 PushSubscription delivery (with the chatPush extension).
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import {
  TYPES,
  type ChatRec,
  type DataType,
  type MessageRec,
  type Obj,
  type Store,
} from './store.js';

export interface EventSourceClient {
  userId: string;
  res: ServerResponse;
  types: Set<string> | null;
  closeAfterState: boolean;
  ping: NodeJS.Timeout | null;
}

export interface WebSocketClient {
  userId: string;
  socket: WebSocket;
  push: { types: Set<string> | null } | null;
  stream: {
    types: Set<string>;
    chatIds: Set<string> | null;
    contactIds: Set<string> | null;
  } | null;
}

/** pushState: the epoch and every type's state, so a resumed stream can tell what changed. */
export function pushState(store: Store, userId: string): string {
  return [store.epoch, ...TYPES.map((t) => store.state(userId, t).split('-')[1])].join('.');
}

function typesChangedSince(store: Store, userId: string, previous: unknown): DataType[] {
  const parts = typeof previous === 'string' ? previous.split('.') : [];
  if (parts[0] !== store.epoch || parts.length !== TYPES.length + 1) return [...TYPES];
  return TYPES.filter((t, i) => store.state(userId, t).split('-')[1] !== parts[i + 1]);
}

export class PushHub {
  readonly eventSources = new Set<EventSourceClient>();
  readonly sockets = new Set<WebSocketClient>();

  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void,
  ) {}

  private stateChange(
    userId: string,
    types: Iterable<DataType>,
    filter: Set<string> | null,
  ): Obj | null {
    const changed: Obj = {};
    for (const t of types) if (!filter || filter.has(t)) changed[t] = this.store.state(userId, t);
    if (Object.keys(changed).length === 0) return null;
    return { '@type': 'StateChange', changed: { [userId]: changed } };
  }

  // ---- EventSource ----

  private sse(c: EventSourceClient, event: string, data: Obj, id?: string): void {
    c.res.write(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  }

  addEventSource(c: EventSourceClient, lastEventId: string | null, pingSeconds: number): void {
    this.eventSources.add(c);
    c.res.on('close', () => this.dropEventSource(c));
    if (pingSeconds > 0)
      c.ping = setInterval(
        () => this.sse(c, 'ping', { interval: pingSeconds }),
        pingSeconds * 1000,
      );
    // The current states at once (a resumed stream: what changed since Last-Event-ID),
    // so a client never misses what happened while it was connecting.
    const types = lastEventId ? typesChangedSince(this.store, c.userId, lastEventId) : TYPES;
    this.sendState(c, types);
  }

  private sendState(c: EventSourceClient, types: Iterable<DataType>): void {
    const change = this.stateChange(c.userId, types, c.types);
    if (!change) return;
    this.sse(c, 'state', change, pushState(this.store, c.userId));
    if (c.closeAfterState) c.res.end();
  }

  private dropEventSource(c: EventSourceClient): void {
    if (c.ping) clearInterval(c.ping);
    this.eventSources.delete(c);
  }

  // ---- WebSocket (RFC 8887) ----

  addSocket(c: WebSocketClient): void {
    this.sockets.add(c);
    c.socket.on('close', () => this.sockets.delete(c));
  }

  enablePush(c: WebSocketClient, dataTypes: unknown, previous: unknown): void {
    c.push = {
      types: Array.isArray(dataTypes) ? new Set(dataTypes.map(String)) : null,
    };
    const types = previous ? typesChangedSince(this.store, c.userId, previous) : TYPES;
    this.sendSocketState(c, types);
  }

  private sendSocketState(c: WebSocketClient, types: Iterable<DataType>): void {
    if (!c.push) return;
    const change = this.stateChange(c.userId, types, c.push.types);
    if (!change) return;
    c.socket.send(JSON.stringify({ ...change, pushState: pushState(this.store, c.userId) }));
  }

  // ---- fan-out ----

  /** After a commit: tell every connection of the accounts whose states changed. */
  stateChanged(changed: Map<string, Set<DataType>>): void {
    for (const c of this.eventSources) {
      const types = changed.get(c.userId);
      if (types) this.sendState(c, types);
    }
    for (const c of this.sockets) {
      const types = changed.get(c.userId);
      if (types) this.sendSocketState(c, types);
    }
    for (const [userId, types] of changed) void this.deliverSubscriptions(userId, types);
  }

  typing(chat: ChatRec, senderId: string, typing: boolean): void {
    for (const u of this.store.participants(chat)) {
      if (u === senderId || this.store.blocked(u, senderId)) continue;
      if (chat.kind !== 'channel' && !this.store.perUser(chat, u).receiveTypingIndicators) continue;
      const data = { chatId: chat.id, senderId, typing };
      for (const c of this.eventSources) if (c.userId === u) this.sse(c, 'typing', data);
      for (const c of this.sockets)
        if (
          c.userId === u &&
          c.stream?.types.has('typing') &&
          (!c.stream.chatIds || c.stream.chatIds.has(chat.id))
        )
          c.socket.send(JSON.stringify({ '@type': 'ChatTypingEvent', ...data }));
    }
  }

  presence(userId: string): void {
    const p = this.store.presence.get(userId);
    const user = this.store.users.get(userId);
    if (!p || !user) return;
    const data = {
      contactId: userId,
      presence: p.presence === 'invisible' ? 'offline' : p.presence,
      lastActiveAt: user.lastActiveAt,
      statusText: p.statusText,
      statusEmoji: p.statusEmoji,
    };
    for (const c of this.eventSources) if (c.userId !== userId) this.sse(c, 'presence', data);
    for (const c of this.sockets)
      if (
        c.userId !== userId &&
        c.stream?.types.has('presence') &&
        (!c.stream.contactIds || c.stream.contactIds.has(userId))
      )
        c.socket.send(JSON.stringify({ '@type': 'ChatPresenceEvent', ...data }));
  }

  /** Closes every push connection (tests: "the push connection dropped"). */
  dropAll(): number {
    let n = 0;
    for (const c of [...this.eventSources]) {
      c.res.destroy();
      this.dropEventSource(c);
      n++;
    }
    for (const c of [...this.sockets]) {
      c.socket.terminate();
      this.sockets.delete(c);
      n++;
    }
    return n;
  }

  // ---- PushSubscription (RFC 8620 §7.2) ----

  async post(url: string, body: Obj): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ttl: '3600', urgency: 'normal' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
    } catch (err) {
      this.log(`push to ${url} failed: ${(err as Error).message}`);
    }
  }

  private async deliverSubscriptions(userId: string, types: Set<DataType>): Promise<void> {
    const now = Date.now();
    for (const s of this.store.pushSubscriptions.values()) {
      if (s.userId !== userId || !s.verified) continue;
      if (s.expires && Date.parse(s.expires) <= now) continue;
      const change = this.stateChange(userId, types, s.types ? new Set(s.types) : null);
      if (change) await this.post(s.url, change);
    }
  }

  /** chatPush (draft-atwood-jmap-chat-push-00): a ChatMessagePush per new message. */
  messageCreated(m: MessageRec): void {
    const chat = this.store.chats.get(m.chatId);
    if (!chat) return;
    for (const s of this.store.pushSubscriptions.values()) {
      const u = s.userId;
      const config = s.chatPush?.[u] as Obj | undefined;
      if (!s.verified || !config || u === m.senderId || m.hiddenFor.has(u)) continue;
      if (!this.store.isParticipant(chat, u) || this.store.perUser(chat, u).muted) continue;
      const kinds = config.kinds as string[] | undefined;
      const chatIds = config.chatIds as string[] | undefined;
      if (kinds && !kinds.includes(chat.kind)) continue;
      if (chatIds && !chatIds.includes(chat.id)) continue;
      const space = chat.spaceId ? this.store.spaces.get(chat.spaceId) : undefined;
      const sender = this.store.users.get(m.senderId);
      void this.post(s.url, {
        '@type': 'ChatMessagePush',
        accountId: u,
        state: this.store.state(u, 'Message'),
        messages: [
          {
            messageId: m.id,
            chatId: chat.id,
            chatKind: chat.kind,
            ...(chat.name ? { chatName: chat.name } : {}),
            ...(space ? { spaceId: space.id, spaceName: space.name } : {}),
            senderId: m.senderId,
            ...(sender ? { senderDisplayName: sender.displayName } : {}),
            sentAt: m.sentAt,
            hasMention: m.mentions.some((x) => x.id === u),
            mentionScopes: m.broadcastMentions.map((b) => b.scope),
            encrypted: false,
            bodySnippet: Buffer.from(m.body).subarray(0, 200).toString('utf8'),
          },
        ],
      });
    }
  }
}
