// The websocket side: one socket per device session (a new one closes the
// old), a ping right after accepting, and events as binary frames holding
// `{"event", "source", "payload"}` JSON whose dates count seconds from
// 2001-01-01. Every session of every recipient gets the event.
import type { WebSocket } from 'ws';
import type { Chat, Store } from './store.js';
import { socketJson } from './wire.js';

export type EventName =
  | 'message'
  | 'messageUpdate'
  | 'chatUpdate'
  | 'userUpdate'
  | 'addedUsers'
  | 'removedUsers'
  | 'chatCleared'
  | 'chatDeleted'
  | 'auxiliary';

export class SocketHub {
  private readonly sockets = new Map<string, WebSocket>();

  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void,
  ) {}

  attach(sessionId: string, ws: WebSocket): void {
    this.sockets.get(sessionId)?.close();
    this.sockets.set(sessionId, ws);
    ws.on('close', () => {
      if (this.sockets.get(sessionId) === ws) this.sockets.delete(sessionId);
    });
    ws.ping();
  }

  detach(sessionIds: string[]): void {
    for (const id of sessionIds) {
      this.sockets.get(id)?.close();
      this.sockets.delete(id);
    }
  }

  count(): number {
    return this.sockets.size;
  }

  /** How many of the user's sessions have an open socket. */
  openFor(userId: number): number {
    return this.store
      .sessionsOf(userId)
      .filter((s) => this.sockets.get(s.id)?.readyState === 1 /* OPEN */).length;
  }

  closeAll(): void {
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
  }

  /** Fault injection for tests: `data` as one binary frame to every socket of the user. */
  sendRaw(userId: number, data: Buffer): number {
    let sent = 0;
    for (const s of this.store.sessionsOf(userId)) {
      const ws = this.sockets.get(s.id);
      if (ws && ws.readyState === ws.OPEN) {
        ws.send(data, { binary: true });
        sent++;
      }
    }
    return sent;
  }

  /** Participants who have neither been blocked in the chat nor blocked it; the author included. */
  recipients(chat: Chat): number[] {
    return [...chat.relations.values()]
      .filter((r) => !r.userBlocked && !r.chatBlocked)
      .map((r) => r.userId);
  }

  /** `source` is the acting user's id as a string, or "system". */
  send(userIds: number[], event: EventName, source: number | 'system', payload: unknown): void {
    const frame = Buffer.from(
      socketJson({ event, source: String(source), payload: payload ?? null }),
      'utf8',
    );
    let sent = 0;
    for (const userId of userIds)
      for (const s of this.store.sessionsOf(userId)) {
        const ws = this.sockets.get(s.id);
        if (ws && ws.readyState === ws.OPEN) {
          ws.send(frame, { binary: true });
          sent++;
        }
      }
    this.log(`event ${event} to ${userIds.length} users, ${sent} sockets`);
  }
}
