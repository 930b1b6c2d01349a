// Timestamps from inside the daemon's worker thread, for bench:live's
// breakdown of where a message's time goes. The worker posts them on a
// BroadcastChannel; the bench's main thread collects them. Both threads read
// the same epoch clock (timeOrigin + now), so marks from either compare.
import { BroadcastChannel } from 'node:worker_threads';

export const MARKS_CHANNEL = 'parley-bench-live-marks';

/** Epoch milliseconds with sub-millisecond precision, comparable across threads and with a page's. */
export { epochNow } from '../ui/browser.js';

export type Mark =
  /** An HTTP request by a connector: when it was issued and when its response headers arrived. */
  | { kind: 'fetch'; what: string; start: number; end: number }
  /** The connector handed a batch to the store (tokens: the bench tokens in its messages). */
  | { kind: 'yield'; at: number; tokens: string[] }
  /** The engine asked for the next batch: the previous one is committed and its events emitted. */
  | { kind: 'resume'; at: number }
  /** The worker posted a message delta (`messages.upserted`) to the host thread. */
  | { kind: 'posted'; at: number };

/** Bench tokens look like `lv<run>x<n><side>`; only they are read out of a message body. */
export const TOKEN = /\blv[0-9a-z]+x\d+[pf]\b/g;

export function markPoster(): (mark: Mark) => void {
  const channel = new BroadcastChannel(MARKS_CHANNEL);
  // The worker must be able to exit while the channel is open.
  channel.unref();
  return (mark) => channel.postMessage(mark);
}

/** Collects the worker's marks in the main thread until closed. */
export function markCollector(): { marks: Mark[]; close: () => void } {
  const channel = new BroadcastChannel(MARKS_CHANNEL);
  const marks: Mark[] = [];
  channel.onmessage = (e) => marks.push((e as { data: Mark }).data);
  return { marks, close: () => channel.close() };
}
