// Every JMAP API request a connector sends, recorded through its `fetch`
// option, and a wait for the catch-up it makes as its push channel opens.
import { waitFor } from './fixtures.js';

export type RecordedCall = [name: string, args: Record<string, unknown>, id: string];

export interface JmapRequestRecorder {
  /** Each API request's method calls, in the order sent. */
  requests: RecordedCall[][];
  fetch: typeof fetch;
  /** Requests sent and not answered yet. */
  inFlight(): number;
  /**
   * Waits until the catch-up made as the push channel opened has been
   * answered. That catch-up asks about every type (a change made before the
   * channel listened sends no StateChange), so it is the first request with
   * ChatContact/changes (the first sync reads contacts whole, by /get). A
   * test counting what one push costs starts counting after it.
   */
  pushOpenCatchUpDone(): Promise<void>;
}

export function recordJmapRequests(): JmapRequestRecorder {
  const requests: RecordedCall[][] = [];
  let inFlight = 0;
  let sawOpenCatchUp = false;
  const recording: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).pathname === '/jmap/api/' && typeof init?.body === 'string') {
      const calls = (JSON.parse(init.body) as { methodCalls: RecordedCall[] }).methodCalls;
      requests.push(calls);
      if (calls.some(([name]) => name === 'ChatContact/changes')) sawOpenCatchUp = true;
    }
    inFlight++;
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
    }
  };
  return {
    requests,
    fetch: recording,
    inFlight: () => inFlight,
    pushOpenCatchUpDone: async () => {
      await waitFor(
        'the catch-up as push opened is answered',
        () => sawOpenCatchUp && inFlight === 0,
      );
    },
  };
}
