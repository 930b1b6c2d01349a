// Notifications over server-sent events. create_sse_auth_code() gives a
// single-use code; the stream is `GET /api/sse?code=<code>` (the reference
// server's URL: the official one is not public). Each `data:` frame holds
// {"notifications": […]}, each notification {event, object_type |
// object_name, object}. A notification only says what changed: message ones
// run that group's serial catch-up (so a lost or replayed frame loses or
// doubles nothing), subscription and group ones re-read the subscription list,
// and `entering` (a participant saving a draft) is typing. A frame that is not
// JSON of that shape fails the live run with a ProtocolError naming what was
// wrong; a closed stream is transient: the engine backs off and calls live()
// again, whose opening catch-up fills the gap.
import { ProtocolError } from '../errors.js';
import { issueSummary, TransientHttpError } from '../http/index.js';
import type { UnichatSession } from './session.js';
import { CodeAnswer, NotificationFrameSchema, type UniNotification } from './wire.js';

export type LiveSignal = { kind: 'open' } | { kind: 'notification'; n: UniNotification };

/** The type a notification names, under either key. */
export const typeOf = (n: UniNotification): string => (n.object_type ?? n.object_name)!;

/** One SSE frame's data → its notifications; anything else is a ProtocolError. */
export function parseFrame(data: string): UniNotification[] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ProtocolError('unichat notifications: a frame is not JSON');
  }
  const frame = NotificationFrameSchema.safeParse(value);
  if (!frame.success)
    throw new ProtocolError(
      `unichat notifications: unexpected frame (${issueSummary(frame.error)})`,
    );
  return frame.data.notifications;
}

/** Splits an SSE byte stream into the data of its events (comments and other fields skipped). */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === '\r' ? nl + 2 : nl + 1);
      if (line === '') {
        if (data.length) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
  }
}

/** Opens the stream and yields `open`, then each notification, until it ends (transient) or `signal` aborts. */
export async function* notifications(
  s: UnichatSession,
  signal: AbortSignal,
): AsyncGenerator<LiveSignal> {
  const { code } = await s.transport.call('create_sse_auth_code', {}, CodeAnswer, { signal });
  const f = s.transport.fetchImpl ?? fetch;
  let res: Response;
  try {
    // No deadline: the stream lives as long as the account's live run.
    res = await f(`${s.transport.base}/api/sse?code=${encodeURIComponent(code)}`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new TransientHttpError('unichat notifications: network error');
  }
  if (!res.ok || !res.body)
    throw new TransientHttpError(`unichat notifications: HTTP ${res.status}`);
  yield { kind: 'open' };
  try {
    for await (const data of sseData(res.body as unknown as AsyncIterable<Uint8Array>))
      for (const n of parseFrame(data)) yield { kind: 'notification', n };
  } catch (err) {
    if (signal.aborted || err instanceof ProtocolError) throw err;
    throw new TransientHttpError('unichat notifications: the stream broke');
  }
  if (!signal.aborted) throw new TransientHttpError('unichat notifications: closed by the server');
}
