// The host's side while the daemon thread ingests: the main thread keeps doing
// what a shell does (timers, handling daemon events, coalescing deltas into
// "frames" for the renderer) and we measure how late its event loop runs.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Timer resolution of the lag monitor; recorded delays include it, so we subtract it. */
export const LAG_RESOLUTION_MS = 5;

export interface LagResult {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** Longest gap between two 5 ms host ticks. */
  maxTickGapMs: number;
  ticks: number;
  framesFlushed: number;
  eventsHandled: number;
}

export class HostSimulation {
  private histogram: IntervalHistogram | null = null;
  private timers: NodeJS.Timeout[] = [];
  private dirtyChats = new Set<number>();
  private lastTick = 0;
  private maxTickGap = 0;
  private ticks = 0;
  private frames = 0;
  private events = 0;
  private scratch: string[] = [];
  peakRss = 0;

  constructor() {
    this.sampleRss();
    // Always sample memory: the worker shares this process.
    this.timers.push(setInterval(() => this.sampleRss(), 50));
  }

  sampleRss(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peakRss) this.peakRss = rss;
  }

  /** A daemon event (delta) arrived: remember what changed, as a UI host would. */
  onDaemonEvent(chatIds: readonly number[]): void {
    this.events++;
    for (const id of chatIds) this.dirtyChats.add(id);
  }

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.histogram.enable();
    this.lastTick = performance.now();
    // Small host work every 5 ms: an IPC-sized serialize/parse round trip.
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        this.maxTickGap = Math.max(this.maxTickGap, now - this.lastTick);
        this.lastTick = now;
        this.ticks++;
        const msg = JSON.stringify({ type: 'ping', t: now, ids: [1, 2, 3, this.ticks] });
        this.scratch.push((JSON.parse(msg) as { type: string }).type);
        if (this.scratch.length > 256) this.scratch.length = 0;
      }, 5),
    );
    // A 16 ms "frame": flush coalesced chat deltas towards the renderer.
    this.timers.push(
      setInterval(() => {
        if (this.dirtyChats.size === 0) return;
        const payload = JSON.stringify({ type: 'chats.changed', ids: [...this.dirtyChats] });
        if (payload.length > 0) this.frames++;
        this.dirtyChats.clear();
      }, 16),
    );
  }

  stop(): LagResult {
    const h = this.histogram;
    h?.disable();
    const lag = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
    const result: LagResult = {
      p50: h ? lag(h.percentile(50)) : NaN,
      p99: h ? lag(h.percentile(99)) : NaN,
      max: h ? lag(h.max) : NaN,
      samples: h ? h.count : 0,
      maxTickGapMs: this.maxTickGap,
      ticks: this.ticks,
      framesFlushed: this.frames,
      eventsHandled: this.events,
    };
    // Keep only the memory sampler.
    for (const t of this.timers.slice(1)) clearInterval(t);
    this.timers = this.timers.slice(0, 1);
    return result;
  }

  dispose(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
