// Reading an answer's body, bounded. A server (or anything between it and us)
// can send a body that never ends, stalls halfway or is far larger than any
// answer we asked for; `res.text()` would wait or buffer all of it. This reads
// the body as a stream against a byte cap and the request's own deadline, so
// memory stays bounded and every failure is a typed error with a one-line
// reason:
//   larger than the cap (declared or counted)  → ResponseTooLargeError (a ProtocolError)
//   the deadline passed while reading          → TransientHttpError "timed out reading the answer"
//   the connection dropped mid-body            → TransientHttpError "connection lost mid-answer"
//   the caller aborted                         → rethrown as is
import { ProtocolError } from '../errors.js';
import { TransientHttpError } from './statusError.js';

/**
 * The default cap for one JSON answer. Generous for the largest real answer
 * (a Matrix initial sync of a big account, a JMAP page of mail headers), far
 * below what would strain the daemon: 64 MiB of text parses into a few times
 * that in objects.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** An error body (a 4xx/5xx page) is read only this far: we need its reason, not its bulk. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** The answer was larger than we accept; the batch fails, nothing of it is stored. */
export class ResponseTooLargeError extends ProtocolError {
  override name = 'ResponseTooLargeError';
}

/** What timedFetch knows about a response, for reading its body afterwards. */
interface Exchange {
  what: string;
  timeout: AbortSignal;
  caller: AbortSignal | undefined;
}
const exchanges = new WeakMap<Response, Exchange>();

/** timedFetch registers each response, so readText can tell a timeout from a cut. */
export function rememberExchange(res: Response, exchange: Exchange): void {
  exchanges.set(res, exchange);
}

export interface ReadOptions {
  /** The cap in bytes (DEFAULT_MAX_BODY_BYTES unless said). */
  maxBytes?: number;
  /**
   * Past the cap: false (the default) refuses with ResponseTooLargeError;
   * true returns what fits (error bodies, where the first bytes say enough).
   */
  truncate?: boolean;
}

const MIB = 1024 * 1024;
const size = (n: number) => (n >= MIB ? `${Math.round(n / MIB)} MiB` : `${n} bytes`);

/**
 * The body as text (UTF-8, invalid sequences replaced), read within the cap
 * and the request's deadline. `what` names the request ("GET /sync").
 */
export async function readText(
  res: Response,
  what: string,
  options: ReadOptions = {},
): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  await readChunks(res, what, options, (chunk) =>
    parts.push(decoder.decode(chunk, { stream: true })),
  );
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * The body handed to `take` chunk by chunk as it arrives, within the cap and
 * the request's deadline, failing as readText does. With `truncate`, the last
 * chunk is cut at the cap. Nothing of the body is kept here: a caller that
 * parses as it reads never holds the whole answer.
 */
export async function readChunks(
  res: Response,
  what: string,
  { maxBytes = DEFAULT_MAX_BODY_BYTES, truncate = false }: ReadOptions,
  take: (chunk: Uint8Array) => void,
): Promise<void> {
  const exchange = exchanges.get(res);
  const declared = Number(res.headers.get('content-length'));
  if (!truncate && res.headers.has('content-length') && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(what, maxBytes, declared);
  }
  if (!res.body) return;
  const reader = res.body.getReader();
  let received = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (err) {
      // Only the read is the network's: a fault here is the connection's.
      if (exchange?.caller?.aborted) throw err;
      if (exchange?.timeout.aborted)
        throw new TransientHttpError(`${exchange.what}: timed out reading the answer`);
      const code = (err as { cause?: { code?: string } }).cause?.code;
      throw new TransientHttpError(
        `${exchange?.what ?? what}: connection lost mid-answer${code ? ` (${code})` : ''}`,
      );
    }
    if (next.done) return;
    const value = next.value;
    received += value.byteLength;
    if (received > maxBytes && !truncate) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what, maxBytes, null);
    }
    const last = received > maxBytes;
    try {
      take(last ? value.subarray(0, value.byteLength - (received - maxBytes)) : value);
    } catch (err) {
      // The caller refused what arrived (a parser's ProtocolError, or its own
      // fault): the rest is not wanted, and the error is the caller's, as is.
      await reader.cancel().catch(() => undefined);
      throw err;
    }
    if (last) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}

function tooLarge(what: string, cap: number, declared: number | null): ResponseTooLargeError {
  return new ResponseTooLargeError(
    `${what}: the answer is larger than ${size(cap)}${declared !== null ? ` (${size(declared)} declared)` : ''}; refused`,
  );
}
