// Notifications over server-sent events. A client calls
// create_sse_auth_code() (authenticated), then opens
// GET /api/sse?code=<code>; each notification batch is one `data:` frame
// holding {"notifications":[…]}, as onNotificationReceived receives it.
import type { ServerResponse } from 'node:http';
import { newToken } from './store.js';

export interface Notification {
  event: string;
  object_type: string;
  object_name: string;
  object: Record<string, unknown>;
}

/** Codes are single-use and expire, so a leaked URL is worth little. */
const CODE_TTL_MS = 60_000;

interface Stream {
  userId: number;
  token: string;
  res: ServerResponse;
}

export class Hub {
  private readonly codes = new Map<string, { userId: number; token: string; expires: number }>();
  private readonly streams = new Set<Stream>();

  constructor(private readonly log: (line: string) => void) {}

  newCode(userId: number, token: string): string {
    const code = newToken();
    this.codes.set(code, { userId, token, expires: Date.now() + CODE_TTL_MS });
    return code;
  }

  /** Consumes a code; the stream lives as long as the session it came from. */
  open(code: string, res: ServerResponse): boolean {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry || entry.expires < Date.now()) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': unichat notifications\n\n');
    const stream: Stream = { userId: entry.userId, token: entry.token, res };
    this.streams.add(stream);
    res.on('close', () => this.streams.delete(stream));
    return true;
  }

  send(userIds: Iterable<number>, build: (userId: number) => Notification | null): void {
    const wanted = new Set(userIds);
    for (const s of this.streams) {
      if (!wanted.has(s.userId)) continue;
      const n = build(s.userId);
      if (n) s.res.write(`data: ${JSON.stringify({ notifications: [n] })}\n\n`);
    }
  }

  /** Logging out ends the streams opened with that session. */
  endSession(token: string): void {
    for (const s of this.streams)
      if (s.token === token) {
        s.res.end();
        this.streams.delete(s);
      }
  }

  closeAll(): void {
    for (const s of this.streams) s.res.end();
    this.streams.clear();
    this.log('sse streams closed');
  }

  isOnline(userId: number): boolean {
    for (const s of this.streams) if (s.userId === userId) return true;
    return false;
  }

  count(): number {
    return this.streams.size;
  }
}

export function notification(
  event: string,
  type: string,
  object: Record<string, unknown>,
): Notification {
  // The pages say object_type, the groups page object_name; clients read either.
  return { event, object_type: type, object_name: type, object };
}
