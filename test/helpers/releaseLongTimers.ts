// matrix-js-sdk, the other client in the Matrix tests, leaves timers behind
// that nothing clears: one per HTTP request (its AbortSignal.timeout ponyfill,
// timeoutSignal in src/http-api/utils.ts: 60-110 s) and one per encrypted
// event (src/rust-crypto/rust-crypto.ts: 5 minutes, in case it turns out to be
// a verification event). They kept each test file that used it alive that long
// after its last test: 12 of the integration phase's 21 minutes.
//
// A timer of a minute or more is a watchdog, never what a test waits for, so
// from here on such timers no longer hold the process open. While anything
// else runs (servers, sockets, the daemon, the test itself) they fire as before.
// (`--test-force-exit` would end the processes too, but it also ends the
// runner before its file reporters are flushed: the TAP summary was lost.)
const LONG_MS = 60_000;
const original = globalThis.setTimeout;

function setTimeoutReleasingLong(
  this: unknown,
  handler: Parameters<typeof setTimeout>[0],
  timeout?: number,
  ...args: unknown[]
): ReturnType<typeof setTimeout> {
  const timer = original(handler as (...a: unknown[]) => void, timeout, ...args);
  if (typeof timeout === 'number' && timeout >= LONG_MS) timer.unref();
  return timer;
}
// util.promisify(setTimeout) and friends read properties of the original (util.promisify.custom).
Object.defineProperties(setTimeoutReleasingLong, Object.getOwnPropertyDescriptors(original));
globalThis.setTimeout = setTimeoutReleasingLong as typeof setTimeout;
