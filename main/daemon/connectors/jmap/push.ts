// Push (RFC 8620 §7): RFC 8887 WebSocket when the session offers push over it,
// else EventSource when the session has an eventSourceUrl that actually streams,
// else polling. Callers get a stream of "something changed" signals and run
// their /changes catch-up on each; the signal never carries data to trust.
import { webSocketClass } from '../http/webSocketClass.js';
import { AuthError, ProtocolError } from '../errors.js';
import { TransientHttpError, wellFormedEscapes } from '../http/index.js';
import { httpError } from './errors.js';
import { expandTemplate, type FetchLike, type Session } from './session.js';
import { StateChangeSchema, type StateChange } from './wire.js';

export type PushSignal =
  | { kind: 'stateChange'; change: StateChange; via: 'websocket' | 'eventsource' }
  | { kind: 'poll' }
  /** The channel is listening now (`PushOptions.catchUpOnOpen`): what changed before it must be asked for. */
  | { kind: 'opened'; via: 'websocket' | 'eventsource' }
  /** Another push event the caller asked for (`PushOptions.events`): its JSON, not validated. */
  | { kind: 'event'; name: string; data: unknown; via: 'websocket' | 'eventsource' };

/** A push event other than StateChange: its SSE event name or WebSocket @type, and its JSON. */
export type PushEvent = { name: string; data: unknown };

export interface PushOptions {
  /** Data types to hear about ('Email', 'Mailbox', …); empty = all. */
  types: string[];
  signal: AbortSignal;
  /** Interval of the polling fallback. */
  pollIntervalMs: number;
  /** Keep-alive ping the server should send on EventSource, seconds. */
  pingSeconds?: number;
  fetch?: FetchLike;
  log?: (line: string) => void;
  /**
   * Other events to pass on as `{kind: 'event'}` signals: SSE event names and
   * WebSocket `@type`s (JMAP Chat: `typing`, `presence`, `ChatTypingEvent`,
   * `ChatPresenceEvent`). Nothing else is passed on; they carry no state.
   */
  events?: string[];
  /** Frames sent on the WebSocket right after WebSocketPushEnable (JMAP Chat: ChatStreamEnable). */
  webSocketFrames?: Record<string, unknown>[];
  /**
   * Signal `{kind: 'opened'}` each time a channel starts listening (an
   * EventSource's stream answered, a WebSocket's push enabled): a change made
   * after the caller's last catch-up and before that moment sends no
   * StateChange, so the caller catches up once then.
   */
  catchUpOnOpen?: boolean;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** A tiny async queue that one consumer drains. */
export class Channel<T> {
  private items: T[] = [];
  private failure: Error | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  push(item: T) {
    this.items.push(item);
    this.wake?.();
  }
  fail(err: Error) {
    this.failure ??= err;
    this.wake?.();
  }
  close() {
    this.closed = true;
    this.wake?.();
  }
  /** Takes out the items still waiting that `wanted` picks (the consumer handles them now). */
  takeWaiting<U extends T>(wanted: (item: T) => item is U): U[] {
    const taken = this.items.filter(wanted);
    this.items = this.items.filter((item) => !wanted(item));
    return taken;
  }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length) yield this.items.shift()!;
      if (this.failure) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

/**
 * An event-stream line (or an event's data lines together) longer than this is
 * not push traffic: a broken or hostile stream would otherwise grow the buffer
 * without end.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Parses a text/event-stream body into events (WHATWG HTML §9.2.6, the parts JMAP needs). */
export async function* parseEventStream(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes = MAX_EVENT_BYTES,
): AsyncGenerator<{ event: string; data: string; id: string | null }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let dataLength = 0;
  let id: string | null = null;
  const lines = function* (final: boolean) {
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n.
      if (!final && m[0] === '\r' && m.index === buffer.length - 1) break;
      const line = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      yield line;
    }
  };
  const handle = function* (line: string) {
    if (line === '') {
      if (data.length) yield { event: event || 'message', data: data.join('\n'), id };
      event = '';
      data = [];
      dataLength = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      dataLength += value.length;
      if (dataLength > maxEventBytes)
        throw new ProtocolError(`push: an event larger than ${maxEventBytes} bytes`);
    } else if (field === 'id') id = value;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) yield* handle(line);
    if (buffer.length > maxEventBytes)
      throw new ProtocolError(`push: a line longer than ${maxEventBytes} bytes`);
  }
  buffer += decoder.decode();
  for (const line of lines(true)) yield* handle(line);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(wellFormedEscapes(text)) as unknown;
  } catch {
    return undefined;
  }
}

function parseStateChange(text: string): StateChange {
  let json: unknown;
  try {
    json = JSON.parse(wellFormedEscapes(text));
  } catch {
    throw new ProtocolError('push: a StateChange that is not JSON');
  }
  const parsed = StateChangeSchema.safeParse(json);
  if (!parsed.success) throw new ProtocolError('push: a malformed StateChange');
  return parsed.data;
}

/**
 * One EventSource connection. Returns 'unsupported' when the server answers
 * without a stream (Cyrus without wslay answers 204), 'closed' when a stream
 * ended. StateChanges go to `onChange`.
 */
export async function eventSourceOnce(
  session: Session,
  authorization: string,
  opts: PushOptions,
  onChange: (c: StateChange) => void,
  onEvent: (e: PushEvent) => void = () => undefined,
  onOpen: () => void = () => undefined,
): Promise<'unsupported' | 'closed'> {
  if (!session.eventSourceUrl) return 'unsupported';
  const url = expandTemplate(session.eventSourceUrl, {
    types: opts.types.length ? opts.types.join(',') : '*',
    closeafter: 'no',
    ping: String(opts.pingSeconds ?? 60),
  });
  // A stream that goes quiet for three pings is stalled (a dead connection
  // that no FIN ever closes): give up on it and reconnect.
  const idleMs = 3 * (opts.pingSeconds ?? 60) * 1000 + 5_000;
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), idleMs);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), idleMs);
  };
  try {
    return await streamEvents(url, authorization, opts, { onChange, onEvent, onOpen }, idle, alive);
  } catch (err) {
    if (idle.signal.aborted && !opts.signal.aborted)
      throw new TransientHttpError(`EventSource: no data for ${Math.round(idleMs / 1000)} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function streamEvents(
  url: string,
  authorization: string,
  opts: PushOptions,
  on: { onChange: (c: StateChange) => void; onEvent: (e: PushEvent) => void; onOpen: () => void },
  idle: AbortController,
  alive: () => void,
): Promise<'unsupported' | 'closed'> {
  const res = await (opts.fetch ?? fetch)(url, {
    headers: { authorization, accept: 'text/event-stream', 'cache-control': 'no-cache' },
    signal: AbortSignal.any([opts.signal, idle.signal]),
  });
  if (res.status === 401 || res.status === 403)
    throw new AuthError(`EventSource refused (${res.status})`);
  const type = res.headers.get('content-type') ?? '';
  if (res.status === 204 || !res.body || !type.startsWith('text/event-stream')) {
    await res.body?.cancel();
    if (res.ok || res.status === 404 || res.status === 405 || res.status === 501)
      return 'unsupported';
    throw httpError('EventSource', res.status, res.headers.get('retry-after'));
  }
  on.onOpen();
  const body = res.body as unknown as AsyncIterable<Uint8Array>;
  async function* noting(): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      alive();
      yield chunk;
    }
  }
  for await (const ev of parseEventStream(noting())) {
    if (ev.event === 'state') on.onChange(parseStateChange(ev.data));
    else if (opts.events?.includes(ev.event)) {
      const data = parseJson(ev.data);
      if (data === undefined) opts.log?.(`push: ignored a ${ev.event} event that is not JSON`);
      else on.onEvent({ name: ev.event, data });
    }
  }
  return 'closed';
}

/** One RFC 8887 WebSocket push session; resolves when the socket closes. */
export async function webSocketOnce(
  session: Session,
  authorization: string,
  opts: PushOptions,
  onChange: (c: StateChange) => void,
  pushState: () => string | undefined,
  onEvent: (e: PushEvent) => void = () => undefined,
  onOpen: () => void = () => undefined,
): Promise<void> {
  const target = session.webSocket;
  if (!target) return;
  const WebSocket = await webSocketClass();
  return new Promise<void>((resolve, reject) => {
    // Push frames are small; a larger one is refused by ws (close 1009).
    const socket = new WebSocket(target.url, ['jmap'], {
      headers: { authorization },
      maxPayload: 4 * 1024 * 1024,
    });
    const abort = () => socket.terminate();
    opts.signal.addEventListener('abort', abort, { once: true });
    const finish = (err?: Error) => {
      opts.signal.removeEventListener('abort', abort);
      if (err) reject(err);
      else resolve();
    };
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      socket.terminate();
      finish(
        status === 401 || status === 403
          ? new AuthError(`WebSocket refused (${status})`)
          : httpError('WebSocket', status, null),
      );
    });
    socket.on('open', () => {
      if (socket.protocol !== 'jmap') {
        socket.close(1002);
        return finish(
          new ProtocolError('WebSocket: the server did not agree to the "jmap" subprotocol'),
        );
      }
      const enable: Record<string, unknown> = {
        '@type': 'WebSocketPushEnable',
        dataTypes: opts.types.length ? opts.types : null,
      };
      const state = pushState();
      if (state) enable.pushState = state;
      socket.send(JSON.stringify(enable));
      for (const frame of opts.webSocketFrames ?? []) socket.send(JSON.stringify(frame));
      onOpen();
    });
    socket.on('message', (data) => {
      let json: { '@type'?: unknown } | null = null;
      try {
        json = JSON.parse(wellFormedEscapes(String(data))) as { '@type'?: unknown };
      } catch {
        opts.log?.('websocket push: ignored a frame that is not JSON');
        return;
      }
      const type = json?.['@type'];
      if (typeof type === 'string' && type !== 'StateChange' && opts.events?.includes(type))
        return onEvent({ name: type, data: json });
      if (type !== 'StateChange') return;
      try {
        onChange(parseStateChange(String(data)));
      } catch (err) {
        opts.log?.(`websocket push: ${(err as Error).message}`);
      }
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish());
  });
}

/**
 * Signals until `opts.signal` aborts: every StateChange from the best push
 * channel the session offers, or a 'poll' tick every pollIntervalMs when it
 * offers none (or its EventSource does not stream). A dropped channel is
 * reconnected after a short pause, with a catch-up signal since changes may
 * have been missed meanwhile.
 */
export async function* pushSignals(
  session: Session,
  authorization: string,
  opts: PushOptions,
): AsyncGenerator<PushSignal> {
  const { signal } = opts;
  const channel = new Channel<PushSignal>();
  let lastPushState: string | undefined;
  const onChange = (via: 'websocket' | 'eventsource') => (change: StateChange) => {
    if (change.pushState) lastPushState = change.pushState;
    channel.push({ kind: 'stateChange', change, via });
  };
  const onEvent = (via: 'websocket' | 'eventsource') => (e: PushEvent) =>
    channel.push({ kind: 'event', name: e.name, data: e.data, via });
  const onOpen = (via: 'websocket' | 'eventsource') => () => {
    if (opts.catchUpOnOpen) channel.push({ kind: 'opened', via });
  };
  const run = async () => {
    let failures = 0;
    let mode: 'websocket' | 'eventsource' | 'poll' = session.webSocket?.supportsPush
      ? 'websocket'
      : session.eventSourceUrl
        ? 'eventsource'
        : 'poll';
    while (!signal.aborted) {
      try {
        if (mode === 'websocket') {
          await webSocketOnce(
            session,
            authorization,
            opts,
            onChange('websocket'),
            () => lastPushState,
            onEvent('websocket'),
            onOpen('websocket'),
          );
        } else if (mode === 'eventsource') {
          const started = Date.now();
          const outcome = await eventSourceOnce(
            session,
            authorization,
            opts,
            onChange('eventsource'),
            onEvent('eventsource'),
            onOpen('eventsource'),
          );
          if (outcome === 'unsupported' || (Date.now() - started < 1000 && ++failures >= 3)) {
            opts.log?.('push: the EventSource does not stream; polling instead');
            mode = 'poll';
            continue;
          }
        } else {
          await sleep(opts.pollIntervalMs, signal);
          if (!signal.aborted) channel.push({ kind: 'poll' });
          continue;
        }
        if (signal.aborted) break;
        failures = 0;
        // The channel closed: we may have missed something.
        channel.push({ kind: 'poll' });
        await sleep(Math.min(30_000, 250 * 2 ** failures), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof AuthError || err instanceof ProtocolError)
          return channel.fail(err as Error);
        failures++;
        opts.log?.(`push channel failed (${failures}): ${(err as Error).message}`);
        if (failures >= 5 && mode !== 'poll') mode = 'poll';
        await sleep(Math.min(30_000, 250 * 2 ** failures), signal);
        if (!signal.aborted) channel.push({ kind: 'poll' });
      }
    }
    channel.close();
  };
  void run().catch((err: unknown) => channel.fail(err as Error));
  signal.addEventListener('abort', () => channel.close(), { once: true });
  yield* channel.drain();
}
