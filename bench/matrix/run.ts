// npm run bench:matrix — Parley's Matrix initial sync against matrix-js-sdk's,
// on the same real Synapse, in the same run.
//
//   npm run bench:matrix -- [--rooms 50] [--messages 20000] [--timeline-limit 20]
//                           [--runs 1] [--concurrency 8] [--keep DIR]
//
// 1. Starts a Synapse (test/servers/synapse/harness.ts: relaxed rate limits),
//    registers `bench` and four peers, creates the rooms (the peers join all of
//    them) and sends the messages: the commit messages of
//    ../shared/data/git-history-messages.jsonl.gz, spread over the rooms and
//    senders, several rooms at a time. `--keep DIR` keeps (and on the next run
//    reuses) the seeded server in DIR.
// 2. Warms the server with one initial sync of a third device, then for each
//    run times both clients, each in its own child process with plain node
//    (Parley's client bundled with esbuild, so no TypeScript loader inflates
//    its memory), each with a fresh device: the same timeline limit, lazy
//    member loading, from nothing to "up to date". Parley's time includes
//    writing everything to its SQLite store; the SDK keeps its state in memory.
// 3. stderr: progress; stdout: a table, then one JSON line: parley_s, jssdk_s,
//    speed_ratio (jssdk_s / parley_s: > 1 means Parley is faster),
//    parley_rss_mb, jssdk_rss_mb (peak RSS, VmHWM), and the counts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { build } from 'esbuild';
import { Synapse } from '../../test/servers/synapse/harness.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA =
  process.env.PARLEY_CORPUS ?? join(ROOT, '..', 'shared', 'data', 'git-history-messages.jsonl.gz');
const C = '/_matrix/client/v3';

const args = parseArgs(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface ClientResult {
  seconds: number;
  peak_rss_mb: number;
  rooms: number;
  events: number;
  members: number;
}

async function main() {
  const keep = args.keep ? resolve(args.keep) : null;
  const seeded = keep !== null && existsSync(join(keep, 'bench-seed.json'));
  if (keep) mkdirSync(keep, { recursive: true });
  const synapse = await Synapse.start(keep ? { dataDir: keep } : {});
  try {
    if (!seeded) {
      const t0 = performance.now();
      const n = await seed(synapse);
      log(
        `seeded ${args.rooms} rooms, ${n} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      if (keep)
        writeFileSync(
          join(keep, 'bench-seed.json'),
          JSON.stringify({ rooms: args.rooms, messages: n }),
        );
    } else log(`reusing the seeded server in ${keep}`);
    const seed_ = keep
      ? (JSON.parse(readFileSync(join(keep, 'bench-seed.json'), 'utf8')) as {
          rooms: number;
          messages: number;
        })
      : { rooms: args.rooms, messages: args.messages };

    const parleyBundle = await bundleParley();
    log('warming the server with one initial sync');
    const warm = await login(synapse, 'warmup');
    await synapse.api(
      warm.token,
      'GET',
      `${C}/sync?filter=${encodeURIComponent(
        JSON.stringify({
          room: {
            state: { lazy_load_members: true },
            timeline: { limit: args.timelineLimit, lazy_load_members: true },
          },
        }),
      )}`,
    );

    const parley: ClientResult[] = [];
    const jssdk: ClientResult[] = [];
    // The floor under both clients: the same initial /sync as one bare HTTP
    // request (fresh device, same filter, body read), no client work at all.
    const bare: number[] = [];
    for (let run = 0; run < args.runs; run++) {
      // Alternate who goes first, so neither always meets the warmer server.
      const order = run % 2 === 0 ? ['parley', 'jssdk'] : ['jssdk', 'parley'];
      for (const who of order) {
        const session = await login(synapse, `${who}-${run}`);
        const r =
          who === 'parley'
            ? await child(process.execPath, [parleyBundle], synapse, session)
            : await child(
                process.execPath,
                [join(ROOT, 'bench/matrix/jssdkClient.mjs')],
                synapse,
                session,
              );
        (who === 'parley' ? parley : jssdk).push(r);
        if (who === order[1]) bare.push(await bareSync(synapse));
        log(
          `run ${run + 1} ${who}: ${r.seconds.toFixed(2)} s, peak RSS ${r.peak_rss_mb.toFixed(0)} MB, ${r.rooms} rooms, ${r.events} events`,
        );
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const result = {
      parley_s: round(med(parley.map((r) => r.seconds))),
      jssdk_s: round(med(jssdk.map((r) => r.seconds))),
      speed_ratio: round(med(jssdk.map((r) => r.seconds)) / med(parley.map((r) => r.seconds))),
      bare_sync_request_s: round(med(bare)),
      parley_rss_mb: round(med(parley.map((r) => r.peak_rss_mb)), 1),
      jssdk_rss_mb: round(med(jssdk.map((r) => r.peak_rss_mb)), 1),
      rooms: seed_.rooms,
      messages: seed_.messages,
      timeline_limit: args.timelineLimit,
      runs: args.runs,
      parley_rooms: parley[0]!.rooms,
      jssdk_rooms: jssdk[0]!.rooms,
      parley_events: parley[0]!.events,
      jssdk_events: jssdk[0]!.events,
    };
    console.log('client   seconds  peak RSS MB  rooms  events');
    for (const [name, rs] of [
      ['parley', parley],
      ['js-sdk', jssdk],
    ] as const)
      console.log(
        `${name.padEnd(8)} ${med(rs.map((r) => r.seconds))
          .toFixed(2)
          .padStart(7)}  ${med(rs.map((r) => r.peak_rss_mb))
          .toFixed(0)
          .padStart(
            11,
          )}  ${String(rs[0]!.rooms).padStart(5)}  ${String(rs[0]!.events).padStart(6)}`,
      );
    console.log(JSON.stringify(result));
  } finally {
    await synapse.stop();
  }
}

// ---- seeding ----

async function seed(synapse: Synapse): Promise<number> {
  const owner = await synapse.register('bench', 'pw-bench');
  const peers = await Promise.all(
    ['ada', 'linus', 'junio', 'grace'].map((n) => synapse.register(n, `pw-${n}`)),
  );
  const everyone = [owner, ...peers];
  for (const [i, u] of everyone.entries())
    await synapse.api(
      u.accessToken,
      'PUT',
      `${C}/profile/${encodeURIComponent(u.userId)}/displayname`,
      {
        displayname: ['Bench', 'Ada', 'Linus', 'Junio', 'Grace'][i],
      },
    );
  const rooms: string[] = [];
  for (let i = 0; i < args.rooms; i++) {
    const { room_id } = await synapse.api<{ room_id: string }>(
      owner.accessToken,
      'POST',
      `${C}/createRoom`,
      {
        name: `Room ${i + 1}`,
        topic: `Bench room ${i + 1}`,
        invite: peers.map((p) => p.userId),
      },
    );
    for (const p of peers)
      await synapse.api(p.accessToken, 'POST', `${C}/join/${encodeURIComponent(room_id)}`, {});
    rooms.push(room_id);
  }
  log(`created ${rooms.length} rooms; sending ${args.messages} messages`);
  const texts = await corpus(args.messages);
  // Each room gets its share, in order; several rooms are written at a time.
  const perRoom = rooms.map(() => [] as string[]);
  texts.forEach((t, i) => perRoom[i % rooms.length]!.push(t));
  let sent = 0;
  let txn = 0;
  let nextRoom = 0;
  const worker = async () => {
    for (;;) {
      const r = nextRoom++;
      if (r >= rooms.length) return;
      for (const [j, body] of perRoom[r]!.entries()) {
        const u = everyone[(j * 7 + r) % everyone.length]!;
        await synapse.api(
          u.accessToken,
          'PUT',
          `${C}/rooms/${encodeURIComponent(rooms[r]!)}/send/m.room.message/b${++txn}`,
          { msgtype: 'm.text', body },
        );
        if (++sent % 2000 === 0) log(`  ${sent} sent`);
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return sent;
}

async function corpus(n: number): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(DATA).pipe(createGunzip()) });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { text } = JSON.parse(line) as { text?: string };
    const body = (text ?? '').split('\n\n')[0]!.trim().slice(0, 2000);
    if (body) out.push(body);
    if (out.length >= n) break;
  }
  lines.close();
  return out;
}

// ---- clients ----

async function bareSync(synapse: Synapse): Promise<number> {
  const session = await login(synapse, `bare-${Date.now()}`);
  const filter = {
    room: {
      state: { lazy_load_members: true },
      timeline: { limit: args.timelineLimit, lazy_load_members: true },
    },
  };
  const t0 = performance.now();
  const res = await fetch(
    `${synapse.url}${C}/sync?filter=${encodeURIComponent(JSON.stringify(filter))}`,
    {
      headers: { authorization: `Bearer ${session.token}` },
    },
  );
  await res.arrayBuffer();
  return (performance.now() - t0) / 1000;
}

async function login(synapse: Synapse, device: string) {
  const res = await fetch(`${synapse.url}${C}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'bench' },
      password: 'pw-bench',
      initial_device_display_name: device,
    }),
  });
  const body = (await res.json()) as { access_token: string; device_id: string; user_id: string };
  if (!res.ok) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return { token: body.access_token, deviceId: body.device_id, userId: body.user_id };
}

function child(
  node: string,
  argv: string[],
  synapse: Synapse,
  session: { token: string; deviceId: string; userId: string },
): Promise<ClientResult> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(node, argv, {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_URL: synapse.url,
        BENCH_TOKEN: session.token,
        BENCH_DEVICE: session.deviceId,
        BENCH_USER: session.userId,
        BENCH_TIMELINE_LIMIT: String(args.timelineLimit),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      const last = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !last) reject(new Error(`${argv[0]} exited ${code}: ${err.slice(-2000)}`));
      else resolvePromise(JSON.parse(last) as ClientResult);
    });
  });
}

/** Parley's client as one plain-node file (native modules stay in node_modules). */
async function bundleParley(): Promise<string> {
  const outfile = join(ROOT, '.cache', 'bench-matrix', 'parleyClient.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench/matrix/parleyClient.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

// ---- options ----

function parseArgs(argv: string[]) {
  const o = {
    rooms: 50,
    messages: 20_000,
    timelineLimit: 20,
    runs: 1,
    concurrency: 8,
    keep: null as string | null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--rooms') o.rooms = Number(v());
    else if (a === '--messages') o.messages = Number(v());
    else if (a === '--timeline-limit') o.timelineLimit = Number(v());
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--concurrency') o.concurrency = Number(v());
    else if (a === '--keep') o.keep = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
