// Where one Parley sample's time went, from the marks of the daemon's worker
// (marks.ts), the host's event and the page's socket frame: each stage's end
// as milliseconds after the send was issued.
import type { Mark } from './marks.js';

export interface SampleTimes {
  token: string;
  sentAt: number;
  /** The first daemon event with message deltas after the send, in the host thread. */
  hostEventAt: number | null;
  socketAt: number | null;
  seenAt: number;
}

/** Stage ends (ms after the send); null where a mark is missing. */
export interface Stages {
  /** The connector's first HTTP response after the send (Matrix: the long poll's answer). */
  firstResponse: number | null;
  /** The first request issued after the send (JMAP Chat: the push arrived and catch-up began). */
  firstRequest: number | null;
  /** The last response before the batch was handed over (JMAP Chat: Message/get). */
  lastResponse: number | null;
  /** Requests the connector made between the send and the batch. */
  requests: number;
  /** live() yielded the batch holding the message. */
  yielded: number | null;
  /** The engine came back for the next batch: this one committed, its events emitted. */
  committed: number | null;
  /** The daemon's coalesced delta left the worker (its flush ran). */
  posted: number | null;
  hostEvent: number | null;
  socket: number | null;
  dom: number;
}

export function stagesOf(s: SampleTimes, marks: readonly Mark[]): Stages & { what: string[] } {
  const rel = (t: number | null | undefined) => (t == null ? null : t - s.sentAt);
  const yielded = marks.find(
    (m): m is Extract<Mark, { kind: 'yield' }> => m.kind === 'yield' && m.tokens.includes(s.token),
  );
  const committed = yielded
    ? marks.find((m) => m.kind === 'resume' && m.at >= yielded.at)
    : undefined;
  const posted = yielded ? marks.find((m) => m.kind === 'posted' && m.at >= yielded.at) : undefined;
  const fetches = marks.filter(
    (m): m is Extract<Mark, { kind: 'fetch' }> =>
      m.kind === 'fetch' && m.end >= s.sentAt && (!yielded || m.end <= yielded.at),
  );
  // A long poll was issued before the send; catch-up requests after it.
  const issued = fetches.filter((f) => f.start >= s.sentAt);
  return {
    firstResponse: rel(fetches[0]?.end),
    firstRequest: rel(issued[0]?.start),
    lastResponse: rel(fetches.at(-1)?.end),
    requests: fetches.length,
    what: fetches.map((f) => f.what),
    yielded: rel(yielded?.at),
    committed: rel(committed && 'at' in committed ? committed.at : null),
    posted: rel(posted && 'at' in posted ? posted.at : null),
    hostEvent: rel(s.hostEventAt),
    socket: rel(s.socketAt),
    dom: s.seenAt - s.sentAt,
  };
}
