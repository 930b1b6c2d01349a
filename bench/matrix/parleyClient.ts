// Parley's side of the Matrix benchmark, one job per process (bench/matrix/run.ts
// bundles this file and runs it with plain node, so its peak RSS is its own).
// BENCH_MODE picks the job, on the profile in BENCH_PROFILE:
//   initial  a fresh profile synced from nothing, exactly as the sync engine's
//            initial phase does (connector.sync → BatchWriter.apply, one
//            transaction per batch carrying its cursor); every event stored
//            and in the word index when it ends;
//   warm     the synced profile opened again, up to its first chat list (no
//            network: the list is local);
//   register (seeding the encrypted account) an initial sync with crypto,
//            until the device's keys are on the server;
//   floor    the floor under any durable client (floor.ts), not Parley's code;
//   floor-stream  the memory floor: the same, the body streamed room by room;
//   catchup  the synced profile resuming from its stored sync token: one
//            /sync, the gaps of its limited timelines filled with /messages.
// Prints one JSON line: seconds, peak RSS, what is in the store.
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Store } from '../../main/daemon/store/store.js';
import type { Account } from '../../main/daemon/model/types.js';
import type { searchPage as SearchPage } from '../../main/daemon/store/search/messageSearch.js';
import { startProfiler, stagesOf } from './stageProfile.js';
import { floorSync, floorSyncStreamed } from './floor.js';
import { threadCpuSince, threadSnapshot } from './threadCpu.mjs';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const mode = env('BENCH_MODE');
const profile = env('BENCH_PROFILE');
const homeserver = env('BENCH_URL');
const cryptoDir = process.env.BENCH_CRYPTO_DIR ?? null;

// The connector's code is loaded before the clock starts (the SDK's is too),
// and not at all for a warm restart, which only needs the store.
// The floors load none of Parley's client: they are what any client needs.
const sync = mode === 'warm' || mode.startsWith('floor') ? null : await syncModules();
// BENCH_PARLEY_HEAP=app (run in a worker by asTheDaemon.ts) or process: V8
// sized for memory, as the daemon sets it once its worker is up
// (main/daemon/host/daemonHost.ts); `default`: node's defaults.
if (process.env.BENCH_PARLEY_HEAP !== 'default' && mode !== 'warm')
  setFlagsFromString('--optimize-for-size');
// Modules loaded, no profile open: this process's floor, beside its peak.
const startRssMb = process.memoryUsage().rss / 1048576;
// The floor (floor.ts): the same /sync, parsed and its messages written by a
// minimal loop, in a process started as this one is.
if (mode === 'floor' || mode === 'floor-stream') {
  const floorThreads = threadSnapshot();
  const floor = await (mode === 'floor' ? floorSync : floorSyncStreamed)({
    homeserver,
    token: env('BENCH_TOKEN'),
    timelineLimit: Number(env('BENCH_TIMELINE_LIMIT')),
    dir: profile,
  });
  const threads = threadCpuSince(floorThreads);
  emit({ ...floor, ...(threads ? { cpu_threads_ms: threads } : {}) });
  process.exit(0);
}
// BENCH_STAGES=1 (a run of its own, not among the timed ones: sampling costs
// CPU): where the time goes, by stage (stageProfile.ts).
const stopProfiler = process.env.BENCH_STAGES === '1' ? await startProfiler() : null;
const start = performance.now();
const startCpu = process.cpuUsage();
const startThreads = threadSnapshot();
const store = Store.open(profile);
const count = (sql: string) => store.db.prepare(sql).pluck().get() as number;

if (mode === 'warm') {
  const chats = store.read.chats();
  const at = performance.now();
  emit({
    // From the process's start (Node's time origin), module loading included.
    seconds: at / 1000,
    open_to_list_s: (at - start) / 1000,
    // Node's own start and loading the store's modules, before the profile opens.
    modules_loaded_s: start / 1000,
    rooms: chats.length,
  });
} else {
  const { MatrixConnector, connectorContext, searchPage } = sync!;
  const session = {
    accessToken: env('BENCH_TOKEN'),
    deviceId: env('BENCH_DEVICE'),
    userId: env('BENCH_USER'),
    homeserver,
    ...(process.env.BENCH_CRYPTO_KEY ? { cryptoKey: process.env.BENCH_CRYPTO_KEY } : {}),
  };
  const account: Account =
    mode === 'initial' || mode === 'register'
      ? store.accounts.add({ protocol: 'matrix', server: homeserver, username: session.userId })
      : store.accounts.list()[0]!;
  const before = count(`SELECT count(*) FROM messages`);
  const connector = new MatrixConnector({
    timelineLimit: Number(env('BENCH_TIMELINE_LIMIT')),
    cryptoDir,
  });
  const ctx = connectorContext({
    account,
    secret: JSON.stringify(session),
    signal: new AbortController().signal,
    cursor: (stream: string) => store.writer.cursor(account.id, stream),
    openBlob: (sha256) => store.blobs.open(sha256),
    log: (line) => process.stderr.write(`[parley] ${line}\n`),
  });
  memory('sync started');
  for await (const batch of connector.sync(ctx)) {
    memory(`batch mapped: ${batch.messages?.length ?? 0} messages`);
    store.writer.apply(account.id, batch);
    memory('batch applied');
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const threads = threadCpuSince(startThreads);
  const profiled = stopProfiler ? await stopProfiler() : null;
  if (profiled && process.env.BENCH_CPU_PROF_OUT)
    writeFileSync(process.env.BENCH_CPU_PROF_OUT, JSON.stringify(profiled));
  if (mode === 'register') await keysOnServer(session);
  await connector.close();
  const query = process.env.BENCH_SEARCH;
  emit({
    seconds,
    // Every thread of this process, from the clock's start to the sync's end:
    // what the client's work costs whatever else the machine runs.
    cpu_s: (cpu.user + cpu.system) / 1e6,
    // The same, by thread (Linux): the profiler sees only the JavaScript one.
    ...(threads ? { cpu_threads_ms: threads } : {}),
    rooms: count(`SELECT count(*) FROM chats`),
    events: count(`SELECT count(*) FROM messages`),
    new_events: count(`SELECT count(*) FROM messages`) - before,
    members: count(`SELECT count(*) FROM chat_members`),
    // Placeholders of encrypted events carry no sender device until decrypted.
    decrypted: count(`SELECT count(*) FROM messages WHERE encryption_sender_device IS NOT NULL`),
    ...(query
      ? {
          search_hits: searchHits(searchPage, query),
          // What the search should find: the stored bodies holding the word.
          bodies_with_word: store.db
            .prepare(`SELECT count(*) FROM messages WHERE body LIKE ?`)
            .pluck()
            .get(`%${query}%`) as number,
        }
      : {}),
    token: store.writer.cursor(account.id, 'sync'),
    ...(profiled ? { stages_ms: stagesOf(profiled) } : {}),
  });
}
store.close();

async function syncModules() {
  const [{ MatrixConnector }, { connectorContext }, { searchPage }] = await Promise.all([
    import('../../main/daemon/connectors/matrix/connector.js'),
    import('../../main/daemon/connectors/context.js'),
    import('../../main/daemon/store/search/messageSearch.js'),
  ]);
  return { MatrixConnector, connectorContext, searchPage };
}

/**
 * Seeding (`register`): the device's keys went up in the background (the
 * session start kicks the crypto's outgoing requests); wait until the server
 * has them, so senders share room keys with this device.
 */
async function keysOnServer(s: { accessToken: string; userId: string; deviceId: string }) {
  for (let i = 0; ; i++) {
    const res = await fetch(`${homeserver}/_matrix/client/v3/keys/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device_keys: { [s.userId]: [s.deviceId] } }),
    });
    const body = (await res.json()) as {
      device_keys?: Record<string, Record<string, unknown>>;
    };
    if (body.device_keys?.[s.userId]?.[s.deviceId]) return;
    if (i > 300) throw new Error("Parley's device keys did not reach the server");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every hit of a word search, page by page (newest first), right after the sync. */
function searchHits(search: typeof SearchPage, query: string): number {
  let n = 0;
  let beforeId: number | undefined;
  for (;;) {
    const page = search(store.db, query, { limit: 500, beforeId });
    n += page.hits.length;
    if (!page.partial || page.nextBeforeId == null || page.hits.length === 0) return n;
    beforeId = page.nextBeforeId;
  }
}

/**
 * BENCH_TRACE_MEM=1: where the memory is at each step, on stderr (the peak
 * so far, V8's heap, memory outside it such as SQLite's page cache and
 * Buffers): for finding what holds the peak, not part of the result.
 */
function memory(step: string): void {
  if (process.env.BENCH_TRACE_MEM !== '1') return;
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1048576).toFixed(1);
  process.stderr.write(
    `[mem] ${step}: rss ${mb(m.rss)} peak ${peakRssMb().toFixed(1)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} MB\n`,
  );
}

function emit(result: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ ...result, peak_rss_mb: peakRssMb(), start_rss_mb: startRssMb })}\n`,
  );
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}
