// The connector kit's HTTP part: one retry-after parser for every form servers
// use, status → the engine's error kinds, deadlines, and schema-parsed answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import {
  errorForStatus,
  parseJson,
  parseResponse,
  parseRetryAfter,
  retryAfterMs,
  timedFetch,
  TransientHttpError,
} from '../../main/daemon/connectors/http/index.js';
import {
  AuthError,
  PermanentError,
  ProtocolError,
  RateLimitedError,
} from '../../main/daemon/connectors/errors.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

test('retry-after: seconds, HTTP dates, ISO dates, JSON milliseconds, and nonsense', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter(' 2.5 ', NOW), 2500);
  assert.equal(parseRetryAfter(3, NOW), 3000, 'a JMAP serverRetryAfter number is seconds');
  assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', NOW), 30_000);
  assert.equal(parseRetryAfter('2026-03-01T12:01:00Z', NOW), 60_000);
  assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW), 0, 'a date past is now');
  assert.equal(parseRetryAfter('-5', NOW), 0);
  assert.equal(parseRetryAfter('soon', NOW), null);
  assert.equal(parseRetryAfter('', NOW), null);
  assert.equal(parseRetryAfter(null, NOW), null);
  assert.equal(parseRetryAfter(Number.NaN, NOW), null);

  // Matrix: the body's retry_after_ms wins over the header; without either, the fallback.
  assert.equal(retryAfterMs({ bodyMs: 1500, header: '60' }, 5000, NOW), 1500);
  assert.equal(retryAfterMs({ bodyMs: undefined, header: '60' }, 5000, NOW), 60_000);
  assert.equal(retryAfterMs({ header: 'Sun, 01 Mar 2026 12:00:10 GMT' }, 5000, NOW), 10_000);
  assert.equal(retryAfterMs({ bodyMs: -1, header: null }, 5000, NOW), 5000);
  assert.equal(retryAfterMs({}, 5000, NOW), 5000);
});

test('status → error kind: sign in again, wait, back off, give up, or a protocol fault', () => {
  const kind = (status: number, options = {}) => errorForStatus('GET /x', status, options);
  assert.ok(kind(401) instanceof AuthError);
  assert.ok(kind(403) instanceof PermanentError && !(kind(403) instanceof AuthError));
  assert.ok(kind(403, { forbiddenIsAuth: true }) instanceof AuthError);
  const limited = kind(429, { retryAfterMs: 7000 });
  assert.ok(limited instanceof RateLimitedError && limited.retryAfterMs === 7000);
  const unsaid = kind(429, { defaultRetryAfterMs: 5000 });
  assert.ok(unsaid instanceof RateLimitedError && unsaid.retryAfterMs === 5000);
  const busy = kind(503, { retryAfterMs: 2000 });
  assert.ok(busy instanceof RateLimitedError && busy.retryAfterMs === 2000);
  assert.ok(kind(503) instanceof TransientHttpError, 'a 503 without retry-after backs off');
  assert.ok(kind(500) instanceof TransientHttpError);
  assert.ok(kind(408) instanceof TransientHttpError);
  for (const status of [400, 404, 409, 413, 422])
    assert.ok(kind(status) instanceof PermanentError, `${status} is permanent`);
  assert.ok(kind(302) instanceof ProtocolError);
  assert.equal(kind(404).message, 'GET /x', 'the message is what the caller said');
});

test('a malformed body is a ProtocolError with a one-line reason, never the body', () => {
  const schema = z.object({ next_batch: z.string(), rooms: z.object({}).optional() });
  assert.deepEqual(
    parseResponse(schema, { next_batch: 's1' }, (r) => r),
    { next_batch: 's1' },
  );
  assert.throws(
    () => parseResponse(schema, { next_batch: 7, secret: 'hello' }, (r) => `malformed /sync: ${r}`),
    (e: Error) =>
      e instanceof ProtocolError &&
      /^malformed \/sync: next_batch: /.test(e.message) &&
      !e.message.includes('hello') &&
      !e.message.includes('\n'),
  );
  assert.throws(
    () => parseJson('<html>oops</html>', () => 'GET /x: the answer is not JSON (200)'),
    (e: Error) =>
      e instanceof ProtocolError && e.message === 'GET /x: the answer is not JSON (200)',
  );
});

test('requests have a deadline: a server that never answers is a transient timeout', async () => {
  const hung: Server = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/slow`;
  try {
    const started = Date.now();
    await assert.rejects(
      timedFetch(url, 'GET /slow', { timeoutMs: 200 }),
      (e: Error) => e instanceof TransientHttpError && e.message === 'GET /slow: timed out',
    );
    assert.ok(Date.now() - started < 5000);
    // The caller's own cancel is not a timeout: it comes back as the abort it is.
    const stop = new AbortController();
    const pending = timedFetch(url, 'GET /slow', { timeoutMs: 10_000, signal: stop.signal });
    stop.abort();
    await assert.rejects(pending, (e: Error) => !(e instanceof TransientHttpError));
  } finally {
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
  }
  // Nothing listening: a network error, transient.
  await assert.rejects(
    timedFetch(url, 'GET /gone', { timeoutMs: 2000 }),
    (e: Error) => e instanceof TransientHttpError && /^GET \/gone: network error/.test(e.message),
  );
});
