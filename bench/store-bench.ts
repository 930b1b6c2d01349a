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
import type { IngestStats, QueryStats, WorkerInput, WorkerMessage } from './protocol.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (!o.scale) {
    const { result, tables } = await runOnce(o);
    process.stdout.write(tables);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  // The size curve: one whole run per size, smallest first, each on a profile
  // of its own; their tables as they finish, then each p95's growth.
  const runs: Record<string, unknown>[] = [];
  for (const messages of o.scale) {
    progress(`--scale: ${messages} messages`);
    const { result, tables } = await runOnce({ ...o, messages, mode: 'custom' });
    process.stdout.write(tables);
    process.stdout.write('\n');
    runs.push(result);
  }
  const summary = scaleResult(o.scale, runs);
  process.stdout.write(renderGrowth(summary));
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

/** One profile built and measured: the result object and its tables. */
async function runOnce(
  o: CliOptions,
): Promise<{ result: Record<string, unknown>; tables: string }> {
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  let profileDir = join(root, 'profile');
  if (o.keep) {
    profileDir = resolve(o.keep);
    if (existsSync(profileDir) && readdirSync(profileDir).length > 0)
      throw new Error(`--keep ${profileDir}: the directory is not empty`);
    mkdirSync(profileDir, { recursive: true });
  }
  const cleanup = () => {
    rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    if (o.keep) rmSync(profileDir, { recursive: true, force: true });
    process.exit(130);
  });

  progress(
    `parley bench: ${o.messages} messages, ${o.chats} chats, batches of ${o.batchSize}, ` +
      `seed ${o.seed}; profile ${profileDir}`,
  );
  const sourcesAtStart = storeSourceHashes();
  const host = new HostSimulation();
  const input: WorkerInput = { profileDir, rawFile: join(root, 'raw.db'), options: o };
  const workerFile = fileURLToPath(new URL('./ingestWorker.mjs', import.meta.url));
  const worker = new Worker(workerFile, { workerData: input });

  let ingest: IngestStats | null = null;
  let lag: LagResult | null = null;
  let queries: QueryStats | null = null;
  let lastPct = -1;
  try {
    await new Promise<void>((resolveRun, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'log':
            progress(m.line);
            return;
          case 'ingest-start':
            progress('ingesting (parley and raw baseline, batch by batch)…');
            host.start();
            return;
          case 'batch': {
            host.onDaemonEvent(m.chatIds);
            const pct = Math.floor((m.done / m.total) * 10);
            if (pct !== lastPct) {
              lastPct = pct;
              progress(`  ${m.phase} ${m.done}/${m.total}`);
            }
            return;
          }
          case 'ingest-done':
            lag = host.stop();
            ingest = m.stats;
            progress(
              `ingest done in ${(m.stats.wallMs / 1000).toFixed(1)} s; host lag p99 ` +
                `${lag.p99.toFixed(2)} ms; measuring reads…`,
            );
            return;
          case 'queries-done':
            queries = m.stats;
            resolveRun();
            return;
          case 'fatal':
            reject(new Error(`bench worker failed: ${m.message}`));
            return;
        }
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (!queries) reject(new Error(`bench worker exited (${code}) before finishing`));
      });
    });
    await worker.terminate();
  } finally {
    host.sampleRss();
    host.dispose();
    cleanup();
  }

  const peakRssMb = Math.max(host.peakRss, process.resourceUsage().maxRSS * 1024) / 1048576;
  const result = buildResult(o, ingest!, lag!, queries!, peakRssMb, sourcesAtStart);
  if (o.keep) {
    writeFileSync(
      join(profileDir, 'bench-manifest.json'),
      `${JSON.stringify({ createdAt: new Date().toISOString(), options: o, result }, null, 2)}\n`,
    );
    progress(`profile kept in ${profileDir}`);
  }
  return { result, tables: renderTables(result, ingest!, lag!, queries!) };
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    progress(err.stack ?? err.message);
    process.exit(1);
  },
);
