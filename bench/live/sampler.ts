// bench:live's measurement on one server: Parley's samples (send → row in
// the DOM) and the floor's (send → the bare client has it) alternate, pair
// after pair, which goes first alternating too, so both see the same machine
// and server. One message at a time, with a pause between sends so each is
// measured from a quiet state.
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import { percentile, round } from '../stats.js';
import { stagesOf, type SampleTimes, type Stages } from './breakdown.js';
import type { Mark } from './marks.js';
import { epochNow } from './marks.js';
import type { LivePage } from './page.js';
import type { LiveServer } from './sides.js';

export interface Figures {
  samples: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

const figures = (xs: number[]): Figures => ({
  samples: xs.length,
  medianMs: round(percentile(xs, 50), 2),
  p95Ms: round(percentile(xs, 95), 2),
  maxMs: round(Math.max(...xs), 2),
});

/** The daemon's events as the host thread receives them, stamped. */
export class HostEvents {
  readonly times: number[] = [];
  listener = (e: DaemonEvent): void => {
    if (e.name === 'messages.upserted') this.times.push(epochNow());
  };
  firstAfter(t: number): number | null {
    return this.times.find((x) => x >= t) ?? null;
  }
}

export async function measure(options: {
  server: LiveServer;
  page: LivePage;
  marks: readonly Mark[];
  host: HostEvents;
  samples: number;
  warmup: number;
  settleMs: number;
  body: (i: number) => string;
}) {
  const { server, page } = options;
  const run = Date.now().toString(36);
  const parley: number[] = [];
  const floor: number[] = [];
  const stages: (Stages & { what: string[] })[] = [];
  const pause = () => new Promise((r) => setTimeout(r, options.settleMs));

  const parleySample = async (i: number): Promise<SampleTimes> => {
    const token = `lv${run}x${i}p`;
    await page.expect(token);
    const sentAt = epochNow();
    const [seen] = await Promise.all([
      page.seen(),
      server.sendToParley(`${options.body(i)} ${token}`),
    ]);
    return { token, sentAt, hostEventAt: options.host.firstAfter(sentAt), ...seen };
  };
  const floorSample = async (i: number): Promise<number> => {
    const token = `lv${run}x${i}f`;
    const seen = server.floorSees(token);
    const sentAt = epochNow();
    const [at] = await Promise.all([seen, server.sendToFloor(`${options.body(i)} ${token}`)]);
    return at - sentAt;
  };

  for (let i = 0; i < options.warmup + options.samples; i++) {
    const measured = i >= options.warmup;
    for (const side of i % 2 === 0 ? ['parley', 'floor'] : ['floor', 'parley']) {
      if (side === 'parley') {
        const t = await parleySample(i);
        if (measured) {
          parley.push(t.seenAt - t.sentAt);
          stages.push(stagesOf(t, options.marks));
        }
      } else {
        const ms = await floorSample(i);
        if (measured) floor.push(ms);
      }
      await pause();
    }
  }

  const median = (pick: (s: Stages) => number | null) => {
    const xs = stages.map(pick).filter((x): x is number => x !== null);
    return xs.length ? round(percentile(xs, 50), 2) : null;
  };
  const p = figures(parley);
  const f = figures(floor);
  return {
    parley: p,
    floor: f,
    /** Parley's own share: its figure minus the floor's. */
    parleyShare: {
      medianMs: round(p.medianMs - f.medianMs, 2),
      p95Ms: round(p.p95Ms - f.p95Ms, 2),
    },
    /** Medians of each stage's end, ms after the send (see breakdown.ts). */
    breakdownMedianMs: {
      firstRequest: median((s) => s.firstRequest),
      firstResponse: median((s) => s.firstResponse),
      lastResponse: median((s) => s.lastResponse),
      yielded: median((s) => s.yielded),
      committed: median((s) => s.committed),
      posted: median((s) => s.posted),
      hostEvent: median((s) => s.hostEvent),
      socket: median((s) => s.socket),
      dom: median((s) => s.dom),
    },
    connectorRequests: {
      median: median((s) => s.requests),
      // What the connector asked for in one sample (the median one), in order.
      typical:
        stages.slice().sort((a, b) => a.dom - b.dom)[Math.floor(stages.length / 2)]?.what ?? [],
    },
    targets: { medianUnder50ms: p.medianMs <= 50, p95Under150ms: p.p95Ms <= 150 },
    /** Every sample, for --raw (not printed in the JSON line). */
    raw: { parley: stages, floor },
  };
}
