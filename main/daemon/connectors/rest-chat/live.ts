// Live updates over the websocket. Frames are binary JSON `{event, source,
// payload}` whose payload dates count seconds from 2001. A frame only says
// that something happened: each one (and the connection opening, which
// covers whatever happened while we were away) runs the catch-up sync, which
// re-pages each chat from its newest known message, so a frame lost with a
// dropped connection loses nothing and a replayed one adds nothing. The one
// exception is messageUpdate (an edit, a deletion, a first read mark): the
// catch-up sees changes only on each chat's newest page (there is no change
// feed), so the message the frame carries is applied as it is, before the
// catch-up. A frame that is not valid JSON of that shape fails the live run
// with a ProtocolError; a closed socket is transient: the engine backs off
// and calls live() again, which reconnects.
import { webSocketClass } from '../http/webSocketClass.js';
import * as z from 'zod';
import { ProtocolError } from '../errors.js';
import { issueSummary, TransientHttpError, wellFormedEscapes } from '../http/index.js';
import { MessageInfoSchema, type MessageInfo } from './wire.js';

const FrameSchema = z.looseObject({
  event: z.string(),
  source: z.string(),
  payload: z.unknown(),
});

/** Events whose payload is a MessageInfo: checked, so a broken one is noticed here. */
const MESSAGE_EVENTS = new Set(['message', 'messageUpdate']);

/**
 * Typing goes through notify as `auxiliary` name "typing"; the event does not
 * say which chat, so Parley puts it in `data` (JSON) with the state.
 */
const TypingDataSchema = z.object({ chatId: z.string(), typing: z.boolean() });

export type LiveSignal =
  | { kind: 'open' }
  | { kind: 'wrote' }
  | { kind: 'event'; event: string }
  /** messageUpdate frames' messages, in the order they came (each also asks for a catch-up). */
  | { kind: 'updated'; messages: MessageInfo[] }
  | { kind: 'typing'; chatId: string; personId: string; typing: boolean };

/** Parses one frame; a malformed one is a ProtocolError that names what was wrong. */
export function parseFrame(data: Buffer): LiveSignal {
  let value: unknown;
  try {
    value = JSON.parse(wellFormedEscapes(data.toString('utf8')));
  } catch {
    throw new ProtocolError('websocket: a frame is not JSON');
  }
  const frame = FrameSchema.safeParse(value);
  if (!frame.success)
    throw new ProtocolError(`websocket: unexpected frame (${issueSummary(frame.error)})`);
  if (MESSAGE_EVENTS.has(frame.data.event)) {
    const m = MessageInfoSchema.safeParse(frame.data.payload);
    if (!m.success)
      throw new ProtocolError(
        `websocket: unexpected ${frame.data.event} payload (${issueSummary(m.error)})`,
      );
    if (frame.data.event === 'messageUpdate') return { kind: 'updated', messages: [m.data] };
  }
  if (frame.data.event === 'auxiliary') {
    const aux = z
      .looseObject({ name: z.string(), data: TypingDataSchema })
      .safeParse(frame.data.payload);
    // Other notifications (and typing from clients that do not name the chat) change nothing we show.
    if (!aux.success || aux.data.name !== 'typing') return { kind: 'event', event: 'auxiliary' };
    return { kind: 'typing', personId: frame.data.source, ...aux.data.data };
  }
  return { kind: 'event', event: frame.data.event };
}

/** The socket's signals until it closes (then TransientHttpError) or `signal` aborts. */
export async function* socketSignals(
  base: string,
  token: string,
  signal: AbortSignal,
  /** Our own writes that the server announces to no one: each one is a signal too. */
  wrote?: EventTarget,
): AsyncGenerator<LiveSignal> {
  const WebSocket = await webSocketClass();
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', {
    headers: { authorization: `Bearer ${token}` },
  });
  const items: LiveSignal[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const push = (s: LiveSignal) => {
    items.push(s);
    wake?.();
  };
  const fail = (e: Error) => {
    failure ??= e;
    wake?.();
  };
  ws.on('open', () => push({ kind: 'open' }));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return fail(new ProtocolError('websocket: a text frame where binary was due'));
    try {
      push(parseFrame(data));
    } catch (err) {
      fail(err as Error);
    }
  });
  ws.on('error', (err) => fail(new TransientHttpError(`websocket: ${err.message}`)));
  ws.on('close', () => fail(new TransientHttpError('websocket: closed by the server')));
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  const onWrote = () => push({ kind: 'wrote' });
  wrote?.addEventListener('wrote', onWrote);
  try {
    for (;;) {
      // Typing goes out as it came, then every changed message the frames
      // carried (in their order: the last one is the newest version); the
      // other frames that came during the last catch-up are all covered by
      // one more.
      const typing = items.filter((i) => i.kind === 'typing');
      const updated = items.flatMap((i) => (i.kind === 'updated' ? i.messages : []));
      const others = items.filter((i) => i.kind !== 'typing' && i.kind !== 'updated');
      items.length = 0;
      yield* typing;
      if (updated.length) yield { kind: 'updated', messages: updated };
      if (others.length) yield others.at(-1)!;
      else if (updated.length) yield { kind: 'event', event: 'messageUpdate' };
      if (typing.length || updated.length || others.length) continue;
      if (signal.aborted) return;
      if (failure) throw failure;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    wrote?.removeEventListener('wrote', onWrote);
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    ws.terminate();
  }
}
