// `npm run bench [-- --quick] [--keep DIR]`: builds a synthetic profile (1M
// messages, or 100k with --quick) from git's commit history through the
// store's real ingest path, in a worker thread as the daemon runs, and
// measures ingest against a bare better-sqlite3 loop, search, chat pages, the
// chat list, the host thread's event-loop lag and memory. See bench/README.md.
//
// stderr: progress. stdout: tables, then one JSON object as the last line.
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type CliOptions } from './args.js';
import { renderGrowth, scaleResult } from './scale.js';
import { HostSimulation, type LagResult } from './host.js';
import { buildResult, renderTables, storeSourceHashes } from './report.js';
import type {
  HostMessage,
  IngestStats,
  QueryStats,
  WorkerInput,
  WorkerMessage,
} from './protocol.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (!o.scale) {
    const run = new BenchRun(o, null);
    try {
      await run.ingested;
      const { result, tables } = await run.finish();
      process.stdout.write(tables);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      await run.dispose();
    }
  }
  // The size curve: each size's profile built in turn, smallest first, its
  // daemon thread kept; then the reads in SCALE_ROUNDS rounds, the sizes
  // alternating (the order rotating each round), so each size's figures come
  // from the same stretch of time as the others'; their tables, then each
  // figure's growth.
  const runs: BenchRun[] = [];
  try {
    for (const messages of o.scale) {
      progress(`--scale: ${messages} messages`);
      const run = new BenchRun({ ...o, messages, mode: 'custom' }, SCALE_ROUNDS);
      runs.push(run);
      await run.ingested;
    }
    for (let r = 0; r < SCALE_ROUNDS; r++) {
      const order = runs.map((_, i) => runs[(i + r) % runs.length]!);
      progress(`--scale: reads, round ${r + 1} of ${SCALE_ROUNDS}`);
      for (const run of order) await run.round(r);
    }
    const results: Record<string, unknown>[] = [];
    for (const run of runs) {
      const { result, tables } = await run.finish();
      process.stdout.write(tables);
      process.stdout.write('\n');
      results.push(result);
    }
    const summary = scaleResult(o.scale, results);
    process.stdout.write(renderGrowth(summary));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    for (const run of runs) await run.dispose();
  }
}

const interruptCleanups: (() => void)[] = [];
/** Ctrl-C removes every run's temporary files (and a --keep profile not finished). */
function onInterrupt(cleanup: () => void): void {
  if (interruptCleanups.length === 0)
    process.once('SIGINT', () => {
      for (const c of interruptCleanups) c();
      process.exit(130);
    });
  interruptCleanups.push(cleanup);
}

/** --scale's rounds of reads per size. */
const SCALE_ROUNDS = 5;

/**
 * One profile built by its daemon thread, then measured: at once (rounds
 * null) or round by round as the host asks (round()), then finish() for the
 * result object and its tables.
 */
class BenchRun {
  /** Resolves once the profile is built and the thread waits for its reads. */
  readonly ingested: Promise<void>;
  private readonly worker: Worker;
  private readonly host = new HostSimulation();
  private readonly root = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  private readonly profileDir: string;
  private readonly sourcesAtStart = storeSourceHashes();
  private readonly queriesDone: Promise<QueryStats>;
  private ingest: IngestStats | null = null;
  private lag: LagResult | null = null;
  private roundDone: (() => void) | null = null;
  private failure: Error | null = null;
  private disposed = false;

  constructor(
    private readonly o: CliOptions,
    private readonly rounds: number | null,
  ) {
    this.profileDir = join(this.root, 'profile');
    if (o.keep) {
      this.profileDir = resolve(o.keep);
      if (existsSync(this.profileDir) && readdirSync(this.profileDir).length > 0)
        throw new Error(`--keep ${this.profileDir}: the directory is not empty`);
      mkdirSync(this.profileDir, { recursive: true });
    }
    const keptProfile = o.keep ? this.profileDir : null;
    onInterrupt(() => {
      rmSync(this.root, { recursive: true, force: true });
      if (keptProfile) rmSync(keptProfile, { recursive: true, force: true });
    });
    progress(
      `parley bench: ${o.messages} messages, ${o.chats} chats, batches of ${o.batchSize}, ` +
        `seed ${o.seed}; profile ${this.profileDir}`,
    );
    const input: WorkerInput = {
      profileDir: this.profileDir,
      rawFile: join(this.root, 'raw.db'),
      options: o,
      ...(rounds ? { rounds } : {}),
    };
    const workerFile = fileURLToPath(new URL('./ingestWorker.mjs', import.meta.url));
    this.worker = new Worker(workerFile, { workerData: input });
    let ingested!: () => void;
    let queriesDone!: (q: QueryStats) => void;
    let fail!: (err: Error) => void;
    const failed = new Promise<never>((_, rej) => (fail = rej));
    // Whoever waits on the run hears of a failure through the promise it holds.
    this.ingested = Promise.race([new Promise<void>((res) => (ingested = res)), failed]);
    this.queriesDone = Promise.race([
      new Promise<QueryStats>((res) => (queriesDone = res)),
      failed,
    ]);
    // Handled where they are awaited; until then a failure must not crash the
    // process before every run's thread and files are disposed of.
    for (const p of [failed, this.ingested, this.queriesDone]) p.catch(() => {});
    const onFailure = (err: Error) => {
      this.failure = err;
      fail(err);
      this.roundDone?.();
    };
    let lastPct = -1;
    let finished = false;
    this.worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'log':
          progress(m.line);
          return;
        case 'ingest-start':
          progress('ingesting (parley and raw baseline, batch by batch)…');
          this.host.start();
          return;
        case 'batch': {
          this.host.onDaemonEvent(m.chatIds);
          const pct = Math.floor((m.done / m.total) * 10);
          if (pct !== lastPct) {
            lastPct = pct;
            progress(`  ${m.phase} ${m.done}/${m.total}`);
          }
          return;
        }
        case 'ingest-done':
          this.lag = this.host.stop();
          this.ingest = m.stats;
          progress(
            `ingest done in ${(m.stats.wallMs / 1000).toFixed(1)} s; host lag p99 ` +
              `${this.lag.p99.toFixed(2)} ms; ` +
              (rounds ? 'its reads wait for their rounds' : 'measuring reads…'),
          );
          ingested();
          return;
        case 'round-done':
          this.roundDone?.();
          return;
        case 'queries-done':
          finished = true;
          queriesDone(m.stats);
          return;
        case 'fatal':
          onFailure(new Error(`bench worker failed: ${m.message}`));
          return;
      }
    });
    this.worker.once('error', onFailure);
    this.worker.once('exit', (code) => {
      if (!finished && !this.disposed)
        onFailure(new Error(`bench worker exited (${code}) before finishing`));
    });
  }

  /** One round of reads (rounds mode), resolved when the thread has measured it. */
  async round(r: number): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((res) => {
      this.roundDone = res;
      const m: HostMessage = { type: 'round', round: r };
      this.worker.postMessage(m);
    });
    this.roundDone = null;
    if (this.failure) throw this.failure;
  }

  /** The reads finished (pooled, with the chat list): the result and its tables. */
  async finish(): Promise<{ result: Record<string, unknown>; tables: string }> {
    if (this.rounds) {
      const m: HostMessage = { type: 'finish' };
      this.worker.postMessage(m);
    }
    const queries = await this.queriesDone;
    // Peak RSS before the thread goes. With --scale every size's thread lives
    // in this one process until the end, so no figure is one size's own: none
    // is given (n/a), rather than the same process peak for every size.
    this.host.sampleRss();
    const peakRssMb = this.rounds
      ? NaN
      : Math.max(this.host.peakRss, process.resourceUsage().maxRSS * 1024) / 1048576;
    await this.dispose();
    const o = this.o;
    const result = buildResult(o, this.ingest!, this.lag!, queries, peakRssMb, this.sourcesAtStart);
    if (o.keep) {
      writeFileSync(
        join(this.profileDir, 'bench-manifest.json'),
        `${JSON.stringify({ createdAt: new Date().toISOString(), options: o, result }, null, 2)}\n`,
      );
      progress(`profile kept in ${this.profileDir}`);
    }
    return { result, tables: renderTables(result, this.ingest!, this.lag!, queries) };
  }

  /** The thread stopped and the run's temporary files gone (the kept profile stays). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.worker.terminate();
    this.host.dispose();
    rmSync(this.root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    progress(err.stack ?? err.message);
    process.exit(1);
  },
);
