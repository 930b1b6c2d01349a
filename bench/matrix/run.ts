// npm run bench:matrix — where Parley's Matrix client does its work, against
// matrix-js-sdk's, on the same real Synapse, in the same run.
//
//   npm run bench:matrix -- [--size small|large] [--encrypted] [--runs N]
//                           [--rooms N --messages N] [--timeline-limit 20]
//                           [--catchup-events 5000] [--catchup-rooms 50]
//                           [--concurrency 12] [--warm-runs 3] [--seed-only]
//                           [--baseline REF]  (Parley's client at git REF, run beside today's)
//                           [--cpu-prof DIR]  (Parley's processes write .cpuprofile files there)
//                           [--parley-heap app|process|default]  (app, the default: as the daemon runs,
//                              in a worker with its limits, V8 sized for memory; process: the same
//                              V8 sizing in a plain process; default: node's defaults)
//
// --size small: 50 rooms, 20k messages (default); large: 500 rooms, 100k.
// The seeded server is cached per size under .cache/bench-matrix/ (seeding
// time is printed when it happens); every run works on a copy of it.
//
// Measured in one run, each client in its own child process with plain node
// (Parley's client bundled with esbuild), each with a fresh device, alternating
// who goes first:
// - bare: the same initial /sync (same filter, one request, as both clients
//   make) from a fresh device, body read: the server's share;
// - initial sync: Parley from nothing to every event in SQLite and its word
//   index; the SDK from createClient to PREPARED (events in memory);
//   `*_client_s` = total − the bare request measured next to it;
// - warm restart: Parley's synced profile opened by a new process, up to its
//   chat list (from the process's start), against the SDK's initial sync;
// - catch-up: both clients offline while `--catchup-events` arrive across
//   `--catchup-rooms` rooms, then Parley resuming from its stored token (one
//   /sync, its limited timelines' gaps filled with /messages, all stored) and
//   the SDK resuming from its token in memory (one /sync; it keeps the gaps);
//   the bare floors of both are the same requests without a client.
// With --encrypted every room is end-to-end encrypted (seeded by a
// matrix-js-sdk peer with its Rust crypto) and both clients decrypt what the
// sync brings; Parley's decrypted messages are searched right after its sync.
//
// stderr: progress; stdout: a table, then one JSON line.
import { execSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import type { Synapse } from '../../test/servers/synapse/harness.js';
import { seededSynapse, seedPlain, sendAll, corpus, C, type SeedSpec } from './seed.js';
import { bareCatchup, bareInitialSync, login, type Session } from './bare.js';
import { seedEncrypted } from './seedEncrypted.js';
import { cryptoStoreDir } from '../../main/daemon/connectors/matrix/crypto/cryptoStore.js';
import type { MatrixSession } from '../../main/daemon/connectors/matrix/wire.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// ../shared from the main checkout, ../../shared from a worktree under wt/.
const CORPUS =
  process.env.PARLEY_CORPUS ??
  [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')]
    .map((d) => join(d, 'data', 'git-history-messages.jsonl.gz'))
    .find((f) => existsSync(f)) ??
  join(ROOT, '..', 'shared', 'data', 'git-history-messages.jsonl.gz');
const CACHE = join(ROOT, '.cache', 'bench-matrix');
const PAGE_SIZE = 100; // MatrixConnector's default /messages page
const SDK_SCRIPT = join(ROOT, 'bench/matrix/jssdkClient.mjs');

const args = parseArgs(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);
// Not console.log: the encrypted seeding silences the console (the SDK's loggers).
const out = (line: string) => process.stdout.write(`${line}\n`);

type Json = Record<string, unknown>;

async function main() {
  const spec: SeedSpec = {
    rooms: args.rooms,
    messages: args.messages,
    concurrency: args.concurrency,
    corpusFile: CORPUS,
  };
  const key = `${args.rooms}r-${args.messages}m${args.encrypted ? '-e2ee' : ''}`;
  mkdirSync(CACHE, { recursive: true });
  const parleyBundle = await bundleParley(ROOT, 'parley');
  await bundleLauncher();
  // --baseline REF: Parley's client as it was at REF, bundled from that
  // commit's files, run beside today's in the same run (old vs new).
  const baselineBundle = args.baseline ? await bundleBaseline(args.baseline) : null;
  const seeder = args.encrypted
    ? (s: Synapse, sp: SeedSpec) => seedEncrypted(s, sp, parleyBundle, SDK_SCRIPT)
    : seedPlain;
  // The encrypted seed names paths inside its own directory in its manifest:
  // it is seeded where it is kept.
  const { synapse, manifest, workDir } = await seededSynapse(spec, join(CACHE, key), seeder, {
    stage: !args.encrypted,
  });
  const profiles: string[] = [];
  if (args.seedOnly) {
    await synapse.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(dirname(parleyBundle), { recursive: true, force: true });
    if (launcherFile) rmSync(dirname(launcherFile), { recursive: true, force: true });
    return;
  }
  try {
    log('warming the server with one initial sync');
    await bareInitialSync(synapse, args.timelineLimit);

    const parley: Json[] = [];
    const jssdk: Json[] = [];
    const baseline: Json[] = [];
    let sdkAlive: Child | null = null;
    for (let run = 0; run < args.runs; run++) {
      const clients = baselineBundle ? ['parley', 'baseline', 'jssdk'] : ['parley', 'jssdk'];
      const order = run % 2 === 0 ? clients : clients.reverse();
      const last = run === args.runs - 1;
      for (const who of order) {
        const bare = await bareInitialSync(synapse, args.timelineLimit);
        if (who === 'baseline') {
          const profile = mkdtempSync(join(tmpdir(), 'parley-bench-profile-'));
          profiles.push(profile);
          const session = await login(synapse, `baseline-${run}`);
          const r = await runParley(
            baselineBundle!,
            synapse,
            session,
            'initial',
            profile,
            manifest,
          );
          baseline.push({ ...r, bare_s: bare, client_s: (r.seconds as number) - bare });
        } else if (who === 'parley') {
          const profile = mkdtempSync(join(tmpdir(), 'parley-bench-profile-'));
          profiles.push(profile);
          const session = await login(synapse, `parley-${run}`);
          const r = await runParley(parleyBundle, synapse, session, 'initial', profile, manifest);
          parley.push({ ...r, bare_s: bare, client_s: (r.seconds as number) - bare, profile });
        } else {
          const session = await login(synapse, `jssdk-${run}`);
          const keep = last && !args.encrypted && args.catchupEvents > 0;
          const c = startSdk(synapse, session, keep, manifest);
          const r = await c.next();
          if (r.phase !== 'initial') throw new Error(`js-sdk said ${JSON.stringify(r)}`);
          // Encrypted: its time runs until every synced event is decrypted.
          const total = (args.encrypted ? r.decrypted_s : r.seconds) as number;
          const cpu = (args.encrypted ? r.decrypted_cpu_s : r.cpu_s) as number;
          // Its CPU by thread over the same span as its CPU.
          const threads = args.encrypted ? r.decrypted_cpu_threads_ms : r.cpu_threads_ms;
          jssdk.push({
            ...r,
            seconds: total,
            cpu_s: cpu,
            cpu_threads_ms: threads,
            bare_s: bare,
            client_s: total - bare,
          });
          if (keep) sdkAlive = c;
          else await c.done();
        }
        const r = (who === 'parley' ? parley : who === 'baseline' ? baseline : jssdk).at(-1)!;
        if (r.cpu_threads_ms) log(`  ${who} CPU (ms): ${threadLine(r.cpu_threads_ms)}`);
        log(
          `run ${run + 1} ${who}: total ${fmt(r.seconds)} s, bare /sync ${fmt(r.bare_s)} s, client ${fmt(r.client_s)} s, CPU ${fmt(r.cpu_s)} s, peak RSS ${fmt(r.peak_rss_mb, 0)} MB, ${String(r.rooms)} rooms, ${String(r.events)} events`,
        );
      }
    }

    // One more Parley run, not among the timed ones, under V8's sampling
    // profiler: where its client time goes, by stage (stageProfile.ts).
    log('parley under the profiler: where the time goes');
    const stagedProfile = mkdtempSync(join(tmpdir(), 'parley-bench-profile-'));
    profiles.push(stagedProfile);
    const staged = await runParley(
      parleyBundle,
      synapse,
      await login(synapse, 'parley-stages'),
      'initial',
      stagedProfile,
      manifest,
      {
        BENCH_STAGES: '1',
        ...(args.cpuProf
          ? { BENCH_CPU_PROF_OUT: join(resolve(args.cpuProf), 'stages.cpuprofile') }
          : {}),
      },
    );
    log(`  stages (ms): ${JSON.stringify(staged.stages_ms)}`);

    // The floor under a durable client (floor.ts), as many runs as the
    // clients had. Plain rooms only: it stores m.room.message events and
    // decrypts nothing.
    const floor: Json[] = [];
    for (let run = 0; run < (args.encrypted ? 0 : args.runs); run++) {
      const dir = mkdtempSync(join(tmpdir(), 'parley-bench-profile-'));
      profiles.push(dir);
      const session = await login(synapse, `floor-${run}`);
      floor.push(await runParley(parleyBundle, synapse, session, 'floor', dir, manifest));
    }
    for (const f of floor)
      if (f.cpu_threads_ms) log(`  floor CPU (ms): ${threadLine(f.cpu_threads_ms)}`);
    if (floor.length)
      log(
        `floor (fetch + JSON.parse + rows and word index): CPU ${floor.map((f) => fmt(f.cpu_s)).join(', ')} s, peak RSS ${floor.map((f) => fmt(f.peak_rss_mb)).join(', ')} MB`,
      );
    // The memory floor: the same, the body streamed and each room stored as
    // it is parsed (floor.ts, floorSyncStreamed).
    const floorStream: Json[] = [];
    for (let run = 0; run < (args.encrypted ? 0 : args.runs); run++) {
      const dir = mkdtempSync(join(tmpdir(), 'parley-bench-profile-'));
      profiles.push(dir);
      const session = await login(synapse, `floorstream-${run}`);
      floorStream.push(
        await runParley(parleyBundle, synapse, session, 'floor-stream', dir, manifest),
      );
    }
    if (floorStream.length)
      log(
        `memory floor (streamed, room by room): peak RSS ${floorStream.map((f) => fmt(f.peak_rss_mb)).join(', ')} MB, start ${floorStream.map((f) => fmt(f.start_rss_mb)).join(', ')} MB`,
      );

    const lastProfile = parley.at(-1)!.profile as string;
    const warm: Json[] = [];
    for (let i = 0; i < args.warmRuns; i++)
      warm.push(await runParley(parleyBundle, synapse, null, 'warm', lastProfile, manifest));
    // The floor under any restart: node starting and exiting, nothing loaded.
    const boot: number[] = [];
    for (let i = 0; i < args.warmRuns; i++) {
      const c = new Child(
        process.execPath,
        [
          '-e',
          'process.stdout.write(JSON.stringify({ seconds: performance.now() / 1000 }) + "\\n")',
        ],
        {},
      );
      boot.push((await c.next()).seconds as number);
      await c.done();
    }
    log(
      `warm restart to the chat list: ${warm.map((w) => fmt(w.seconds)).join(', ')} s (node alone ${boot.map((b) => fmt(b)).join(', ')} s)`,
    );

    let catchup: Json = {};
    if (sdkAlive)
      catchup = await measureCatchup(synapse, sdkAlive, parleyBundle, lastProfile, {
        parleyToken: parley.at(-1)!.token as string,
        manifest,
      });

    const pC = med(parley.map((r) => r.client_s as number));
    const jC = med(jssdk.map((r) => r.client_s as number));
    const pCpu = med(parley.map((r) => r.cpu_s as number));
    const jCpu = med(jssdk.map((r) => r.cpu_s as number));
    const floorCpu = floor.length ? med(floor.map((f) => f.cpu_s as number)) : NaN;
    const pRss = med(parley.map((r) => r.peak_rss_mb as number));
    const jRss = med(jssdk.map((r) => r.peak_rss_mb as number));
    const pStartRss = med(parley.map((r) => r.start_rss_mb as number));
    const jStartRss = med(jssdk.map((r) => r.start_rss_mb as number));
    const jTotal = med(jssdk.map((r) => r.seconds as number));
    const warmS = med(warm.map((w) => w.seconds as number));
    const result: Json = {
      rooms: manifest.rooms,
      messages: manifest.messages,
      encrypted: args.encrypted,
      seed_s: round(manifest.seconds, 1),
      ...(manifest.sendRate ? { seed_msgs_per_s: manifest.sendRate } : {}),
      timeline_limit: args.timelineLimit,
      parley_heap: args.parleyHeap,
      runs: args.runs,
      bare_sync_s: round(med([...parley, ...jssdk].map((r) => r.bare_s as number))),
      parley_s: round(med(parley.map((r) => r.seconds as number))),
      jssdk_s: round(jTotal),
      parley_client_s: round(pC),
      jssdk_client_s: round(jC),
      client_ratio: round(pC / jC),
      // CPU time of each client's process over the same span: its work,
      // whatever else the machine runs (the wall-clock difference above
      // carries the scheduler's noise of a shared machine).
      parley_cpu_s: round(pCpu),
      jssdk_cpu_s: round(jCpu),
      cpu_ratio: round(pCpu / jCpu),
      // The same CPU split: the client's JavaScript thread, and every other
      // thread of its process (V8's GC and compiler helpers, libuv, the host
      // thread); medians (threadCpu.mjs, Linux only).
      ...threadSplit('parley', parley),
      ...threadSplit('jssdk', jssdk),
      ...threadSplit('floor', floor),
      parley_rss_mb: round(pRss, 1),
      jssdk_rss_mb: round(jRss, 1),
      rss_ratio: round(pRss / jRss),
      // Each process's RSS with its modules loaded and nothing synced (the
      // floor under its peak), and the peak above it.
      parley_start_rss_mb: round(pStartRss, 1),
      jssdk_start_rss_mb: round(jStartRss, 1),
      rss_above_start_ratio: round((pRss - pStartRss) / (jRss - jStartRss)),
      // A warm restart's process: the store's modules, the profile open, the chat list.
      parley_warm_rss_mb: round(med(warm.map((w) => w.peak_rss_mb as number)), 1),
      parley_events: parley[0]!.events,
      jssdk_events: jssdk[0]!.events,
      parley_rooms: parley[0]!.rooms,
      jssdk_rooms: jssdk[0]!.rooms,
      warm_restart_s: round(warmS),
      warm_open_to_list_s: round(med(warm.map((w) => w.open_to_list_s as number))),
      warm_modules_loaded_s: round(med(warm.map((w) => w.modules_loaded_s as number))),
      node_boot_s: round(med(boot)),
      warm_ratio_vs_jssdk_initial: round(warmS / jTotal),
      // The floor (floor.ts): the same /sync fetched and parsed, its messages
      // written as rows + word index by a minimal loop; CPU, median of runs.
      ...(floor.length
        ? {
            floor_cpu_s: round(floorCpu),
            floor_http_cpu_s: round(med(floor.map((f) => f.http_cpu_s as number))),
            floor_parse_cpu_s: round(med(floor.map((f) => f.parse_cpu_s as number))),
            floor_schema_cpu_s: round(med(floor.map((f) => f.schema_cpu_s as number))),
            floor_insert_cpu_s: round(med(floor.map((f) => f.insert_cpu_s as number))),
            floor_events: floor[0]!.events,
            floor_cpu_ratio_vs_jssdk: round(floorCpu / jCpu),
            // Peak RSS of the floor, and of the memory floor: a process with
            // none of Parley's client loaded, the body streamed, each room
            // stored and dropped as it is parsed.
            floor_rss_mb: round(med(floor.map((f) => f.peak_rss_mb as number)), 1),
            floor_stream_rss_mb: round(med(floorStream.map((f) => f.peak_rss_mb as number)), 1),
            floor_stream_start_rss_mb: round(
              med(floorStream.map((f) => f.start_rss_mb as number)),
              1,
            ),
            floor_stream_rss_ratio_vs_jssdk: round(
              med(floorStream.map((f) => f.peak_rss_mb as number)) / jRss,
            ),
          }
        : {}),
      // The profiled run: its CPU time (the profiler's own cost included) and
      // where it went, ms per stage (idle: waiting, mostly on the server).
      parley_profiled_cpu_s: round(staged.cpu_s as number),
      parley_stages_ms: staged.stages_ms,
      ...(baseline.length
        ? {
            baseline_ref: args.baseline,
            baseline_client_s: round(med(baseline.map((r) => r.client_s as number))),
            baseline_cpu_s: round(med(baseline.map((r) => r.cpu_s as number))),
            baseline_cpu_ratio_vs_jssdk: round(med(baseline.map((r) => r.cpu_s as number)) / jCpu),
            // Today's Parley against the same client at --baseline, same run.
            cpu_vs_baseline: round(pCpu / med(baseline.map((r) => r.cpu_s as number))),
            baseline_rss_mb: round(med(baseline.map((r) => r.peak_rss_mb as number)), 1),
            rss_vs_baseline: round(pRss / med(baseline.map((r) => r.peak_rss_mb as number))),
          }
        : {}),
      ...catchup,
    };
    if (args.encrypted)
      Object.assign(result, {
        parley_decrypted: parley[0]!.decrypted,
        jssdk_decrypted: jssdk[0]!.decrypted,
        jssdk_encrypted_events: jssdk[0]!.encrypted_events,
        parley_search_hits: parley[0]!.search_hits,
        search_query: manifest.searchWord,
        parley_total_ratio: round(med(parley.map((r) => r.seconds as number)) / jTotal),
      });
    result.targets = {
      // A negative SDK client time (its total below the bare request next to
      // it: the server's noise) is no pass.
      client_ratio_le_0_5: pC > 0 && jC > 0 && pC / jC <= 0.5,
      cpu_ratio_le_0_5: pCpu / jCpu <= 0.5,
      ...(manifest.rooms >= 500 ? { rss_ratio_le_0_5: pRss / jRss <= 0.5 } : {}),
      warm_ratio_le_0_1: warmS / jTotal <= 0.1,
      ...(args.encrypted
        ? { parley_no_slower: med(parley.map((r) => r.seconds as number)) <= jTotal }
        : {}),
    };
    table(result);
    out(JSON.stringify(result));
  } finally {
    await synapse.stop();
    rmSync(workDir, { recursive: true, force: true });
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
    rmSync(dirname(parleyBundle), { recursive: true, force: true });
    if (launcherFile) rmSync(dirname(launcherFile), { recursive: true, force: true });
    if (baselineBundle) rmSync(dirname(baselineBundle), { recursive: true, force: true });
  }
}

/**
 * Both clients are offline (Parley's process is gone, the SDK's /sync waits)
 * while the peers send `catchupEvents` across `catchupRooms` rooms; then the
 * bare floors, Parley resuming from its profile, the SDK from its token.
 */
async function measureCatchup(
  synapse: Synapse,
  sdk: Child,
  parleyBundle: string,
  profile: string,
  ctx: { parleyToken: string; manifest: Manifest },
): Promise<Json> {
  const off = await sdk.next();
  if (off.phase !== 'offline') throw new Error(`js-sdk said ${JSON.stringify(off)}`);
  const rooms = ctx.manifest.roomIds.slice(0, args.catchupRooms);
  log(`catch-up: sending ${args.catchupEvents} events across ${rooms.length} rooms`);
  const texts = await corpus(CORPUS, args.catchupEvents);
  const peers = ctx.manifest.peers;
  const t0 = performance.now();
  await sendAll(rooms, texts, args.concurrency, (room, j, body, txn) =>
    synapse.api(
      peers[(room + j) % peers.length]!.token,
      'PUT',
      `${C}/rooms/${encodeURIComponent(rooms[room]!)}/send/m.room.message/c${txn}`,
      { msgtype: 'm.text', body: `${body} (while offline)` },
    ),
  );
  log(`  sent in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const bareSession = await login(synapse, 'bare-catchup');
  const bareSdk = await bareCatchup(
    synapse,
    bareSession.token,
    off.token as string,
    args.timelineLimit,
    PAGE_SIZE,
  );
  const bareParley = await bareCatchup(
    synapse,
    bareSession.token,
    ctx.parleyToken,
    args.timelineLimit,
    PAGE_SIZE,
  );
  const session = await login(synapse, 'parley-catchup');
  const p = await runParley(parleyBundle, synapse, session, 'catchup', profile, ctx.manifest);
  sdk.send('online');
  const j = await sdk.next();
  if (j.phase !== 'catchup') throw new Error(`js-sdk said ${JSON.stringify(j)}`);
  await sdk.done();
  const pS = p.seconds as number;
  const jS = j.seconds as number;
  log(
    `catch-up: parley ${fmt(pS)} s (${String(p.new_events)} new events stored, bare ${fmt(bareParley.sync_and_gaps_s)} s with ${bareParley.gap_pages} /messages pages), js-sdk ${fmt(jS)} s (${String(j.new_events)} events, bare ${fmt(bareSdk.sync_s)} s)`,
  );
  return {
    catchup_events_sent: args.catchupEvents,
    catchup_rooms: rooms.length,
    parley_catchup_s: round(pS),
    parley_catchup_new_events: p.new_events,
    parley_catchup_bare_s: round(bareParley.sync_and_gaps_s),
    parley_catchup_client_s: round(pS - bareParley.sync_and_gaps_s),
    jssdk_catchup_s: round(jS),
    jssdk_catchup_new_events: j.new_events,
    jssdk_catchup_bare_s: round(bareSdk.sync_s),
    jssdk_catchup_client_s: round(jS - bareSdk.sync_s),
    catchup_ratio: round(pS / jS),
    parley_catchup_cpu_s: round(p.cpu_s as number),
    jssdk_catchup_cpu_s: round(j.cpu_s as number),
  };
}

// ---- child processes ----

type Manifest = Awaited<ReturnType<typeof seededSynapse>>['manifest'];

function runParley(
  bundle: string,
  synapse: Synapse,
  session: Session | null,
  mode: 'initial' | 'warm' | 'catchup' | 'floor' | 'floor-stream',
  profile: string,
  manifest: Manifest,
  extraEnv: Record<string, string> = {},
): Promise<Json> {
  const prof = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf)}`] : [];
  // As the app runs it: the job in a worker with the daemon worker's limits.
  const job = args.parleyHeap === 'app' ? [launcher(), bundle] : [bundle];
  const c = new Child(process.execPath, [...prof, ...job], {
    BENCH_MODE: mode,
    BENCH_PROFILE: profile,
    BENCH_URL: synapse.url,
    BENCH_TIMELINE_LIMIT: String(args.timelineLimit),
    BENCH_PARLEY_HEAP: args.parleyHeap,
    ...(session
      ? { BENCH_TOKEN: session.token, BENCH_DEVICE: session.deviceId, BENCH_USER: session.userId }
      : {}),
    ...(args.encrypted && mode !== 'warm' ? parleyCrypto(synapse, manifest, profile) : {}),
    ...(manifest.searchWord ? { BENCH_SEARCH: manifest.searchWord } : {}),
    ...extraEnv,
  });
  return c.next().finally(() => c.done());
}

/**
 * The pre-made device's session and a fresh copy of its crypto store (as it
 * was when seeded), at the path this run's homeserver URL gives it.
 */
function parleyCrypto(synapse: Synapse, manifest: Manifest, profile: string) {
  const env = manifest.parleyEnv!;
  const who = (homeserver: string) =>
    ({ homeserver, userId: env.BENCH_USER, deviceId: env.BENCH_DEVICE }) as MatrixSession;
  const cryptoDir = join(profile, 'matrix-crypto');
  rmSync(cryptoDir, { recursive: true, force: true });
  cpSync(
    cryptoStoreDir(env.BENCH_CRYPTO_TEMPLATE!, who(env.BENCH_SEED_URL!)),
    cryptoStoreDir(cryptoDir, who(synapse.url)),
    { recursive: true },
  );
  return { ...env, BENCH_CRYPTO_DIR: cryptoDir };
}

function startSdk(synapse: Synapse, session: Session, catchup: boolean, manifest: Manifest) {
  return new Child(process.execPath, [SDK_SCRIPT], {
    BENCH_URL: synapse.url,
    BENCH_TOKEN: session.token,
    BENCH_DEVICE: session.deviceId,
    BENCH_USER: session.userId,
    BENCH_TIMELINE_LIMIT: String(args.timelineLimit),
    BENCH_CATCHUP: catchup ? '1' : '0',
    ...(args.encrypted ? { BENCH_ENCRYPTED: '1', ...(manifest.sdkEnv ?? {}) } : {}),
  });
}

/** A child speaking JSON lines on stdout (and taking lines on stdin). */
class Child {
  private readonly p: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private err = '';
  private readonly exited: Promise<number | null>;

  constructor(node: string, argv: string[], env: Record<string, string>) {
    this.p = spawn(node, argv, { cwd: ROOT, env: { ...process.env, ...env } });
    this.p.stderr.on('data', (d: Buffer) => (this.err = (this.err + d.toString()).slice(-4000)));
    // Parley's memory trace (parleyClient.ts) goes through as it comes.
    if (process.env.BENCH_TRACE_MEM === '1') this.p.stderr.pipe(process.stderr);
    this.exited = new Promise((r) => this.p.on('exit', (code) => r(code)));
    this.lines = createInterface({ input: this.p.stdout })[Symbol.asyncIterator]();
  }

  async next(): Promise<Json> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) {
        const code = await this.exited;
        throw new Error(`${this.p.spawnargs[1]} exited ${code}: ${this.err}`);
      }
      if (value.startsWith('{')) return JSON.parse(value) as Json;
    }
  }

  send(line: string): void {
    this.p.stdin.write(`${line}\n`);
  }

  async done(): Promise<void> {
    this.p.stdin.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`${this.p.spawnargs[1]} exited ${code}: ${this.err}`);
  }
}

/**
 * Parley's client for plain node (native modules stay in node_modules), split
 * so that a warm restart loads the store's code and not the connector's.
 */
async function bundleParley(srcRoot: string, name: string): Promise<string> {
  // One per run: runs side by side must not rebuild each other's files.
  const outdir = join(CACHE, `${name}-${process.pid}`);
  await build({
    entryPoints: [join(srcRoot, 'bench/matrix/parleyClient.ts')],
    // A baseline's sources sit outside the checkout: packages from ours.
    nodePaths: [join(ROOT, 'node_modules')],
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: ['better-sqlite3', 'keytar', '*.node'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return join(outdir, 'parleyClient.mjs');
}

let launcherFile: string | null = null;

/** bench/matrix/asTheDaemon.ts, bundled once (from today's tree, for the baseline too). */
function launcher(): string {
  if (!launcherFile) throw new Error('the launcher is bundled before any job runs');
  return launcherFile;
}

async function bundleLauncher(): Promise<void> {
  const outdir = join(CACHE, `launcher-${process.pid}`);
  await build({
    entryPoints: [join(ROOT, 'bench/matrix/asTheDaemon.ts')],
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  launcherFile = join(outdir, 'asTheDaemon.mjs');
}

/** Parley's client bundled from the files of git ref `ref` (extracted to a temporary directory). */
async function bundleBaseline(ref: string): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'parley-bench-baseline-'));
  try {
    execSync(`git archive ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(src)}`, {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return await bundleParley(src, 'parley-baseline');
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

// ---- report ----

function table(r: Json): void {
  const rows: [string, unknown, unknown][] = [
    ['initial sync total (s)', r.parley_s, r.jssdk_s],
    ['bare /sync request (s)', r.bare_sync_s, r.bare_sync_s],
    ['client work (s)', r.parley_client_s, r.jssdk_client_s],
    ['client CPU time (s)', r.parley_cpu_s, r.jssdk_cpu_s],
    ['peak RSS (MB)', r.parley_rss_mb, r.jssdk_rss_mb],
    ['RSS, modules loaded (MB)', r.parley_start_rss_mb, r.jssdk_start_rss_mb],
    ['events held after sync', r.parley_events, r.jssdk_events],
    ['warm restart to chat list (s)', r.warm_restart_s, '—'],
    ['catch-up total (s)', r.parley_catchup_s ?? '—', r.jssdk_catchup_s ?? '—'],
    ['catch-up bare requests (s)', r.parley_catchup_bare_s ?? '—', r.jssdk_catchup_bare_s ?? '—'],
    [
      'catch-up new events held',
      r.parley_catchup_new_events ?? '—',
      r.jssdk_catchup_new_events ?? '—',
    ],
  ];
  out(`${'measure'.padEnd(32)} ${'parley'.padStart(10)} ${'js-sdk'.padStart(10)}`);
  for (const [name, p, j] of rows)
    out(`${name.padEnd(32)} ${String(p).padStart(10)} ${String(j).padStart(10)}`);
}

// ---- options ----

function parseArgs(argv: string[]) {
  const o = {
    size: 'small' as 'small' | 'large',
    rooms: 0,
    messages: 0,
    timelineLimit: 20,
    runs: 3,
    warmRuns: 3,
    concurrency: 12,
    catchupEvents: 5000,
    catchupRooms: 50,
    encrypted: false,
    seedOnly: false,
    cpuProf: null as string | null,
    baseline: null as string | null,
    parleyHeap: 'app' as 'app' | 'process' | 'default',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const n = () => {
      const x = Number(v());
      if (!Number.isInteger(x) || x < 0) throw new Error(`${a} needs a whole number`);
      return x;
    };
    if (a === '--size') {
      const s = v();
      if (s !== 'small' && s !== 'large') throw new Error('--size is small or large');
      o.size = s;
    } else if (a === '--rooms') o.rooms = n();
    else if (a === '--messages') o.messages = n();
    else if (a === '--timeline-limit') o.timelineLimit = n();
    else if (a === '--runs') o.runs = Math.max(1, n());
    else if (a === '--warm-runs') o.warmRuns = Math.max(1, n());
    else if (a === '--concurrency') o.concurrency = Math.max(1, n());
    else if (a === '--catchup-events') o.catchupEvents = n();
    else if (a === '--catchup-rooms') o.catchupRooms = Math.max(1, n());
    else if (a === '--encrypted') o.encrypted = true;
    else if (a === '--seed-only') o.seedOnly = true;
    else if (a === '--cpu-prof') o.cpuProf = v();
    else if (a === '--baseline') o.baseline = v();
    else if (a === '--parley-heap') {
      const h = v();
      if (h !== 'app' && h !== 'process' && h !== 'default')
        throw new Error('--parley-heap is app, process or default');
      o.parleyHeap = h;
    } else throw new Error(`unknown option ${a}`);
  }
  if (!o.rooms) o.rooms = o.size === 'large' ? 500 : 50;
  if (!o.messages) o.messages = o.size === 'large' ? 100_000 : 20_000;
  return o;
}

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(x: unknown, digits = 2): string {
  return typeof x === 'number' ? x.toFixed(digits) : String(x);
}

await main();

/** "JavaScript thread 980, other threads 380". */
function threadLine(threads: unknown): string {
  const t = threads as { js: number; others: number };
  return `JavaScript thread ${Math.round(t.js)}, other threads ${Math.round(t.others)}`;
}

/** `<who>_js_cpu_s` and `<who>_other_threads_cpu_s`, medians over the runs that have them. */
function threadSplit(who: string, runs: Json[]): Json {
  const split = runs
    .map((r) => r.cpu_threads_ms as { js: number; others: number } | undefined)
    .filter((t) => t !== undefined);
  if (split.length === 0) return {};
  return {
    [`${who}_js_cpu_s`]: round(med(split.map((t) => t.js / 1000))),
    [`${who}_other_threads_cpu_s`]: round(med(split.map((t) => t.others / 1000))),
  };
}
