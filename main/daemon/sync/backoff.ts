// Exponential backoff with "equal jitter": half the delay is fixed, half is
// random, which spreads the retries of many accounts so a server coming back
// is not stampeded, yet never retries almost at once.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 5 * 60_000 };

/** Delay before retry number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The server's retry-after, when it gave one, replaces our schedule (plus up
 * to 10% jitter so accounts behind one server do not return in lockstep).
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | null,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== null) return retryAfterMs + Math.round(random() * retryAfterMs * 0.1);
  return backoffDelay(attempt, policy, random);
}

/** Resolves after ms, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
