// matrix-js-sdk's side of the Matrix benchmark, in its own process: the same
// account, timeline limit and lazy member loading as Parley's run; the SDK's
// default in-memory store. Prints JSON lines on stdout:
//   {"phase":"initial", seconds, peak_rss_mb, rooms, events, members}
//     from createClient to the PREPARED state (its initial sync processed);
// then, with BENCH_CATCHUP=1, it goes offline (its /sync requests wait) and
//   {"phase":"offline", token}
// once no /sync is in flight; a line "online" on stdin lets them go, and
//   {"phase":"catchup", seconds, new_events}
// is printed when the SDK has processed the sync that resumed from `token`.
// With BENCH_ENCRYPTED=1 it runs its Rust crypto (the wasm build), its crypto
// store restored from BENCH_CRYPTO_DUMP (made when the account was seeded,
// so this device already had the room keys sent to it), and counts what it
// decrypted before PREPARED.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { threadCpuSince, threadSnapshot } from './threadCpu.mjs';

// The SDK logs at debug level through loglevel, which binds console methods
// when its loggers are built: silenced before the import, so neither client
// pays for log output.
for (const k of ['log', 'debug', 'info', 'warn', 'trace']) console[k] = () => undefined;
const encrypted = process.env.BENCH_ENCRYPTED === '1';
if (encrypted) await import('fake-indexeddb/auto');
const sdk = await import('matrix-js-sdk');
const { ClientEvent, RoomEvent, createClient } = sdk;
const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

let restoreSeconds = 0;
const dumpOut = process.env.BENCH_CRYPTO_DUMP_OUT;
if (encrypted && !dumpOut) {
  const t = performance.now();
  const { restoreIndexedDb } = await import('./idbDump.mjs');
  await restoreIndexedDb(env('BENCH_CRYPTO_DUMP'));
  restoreSeconds = (performance.now() - t) / 1000;
}

// Offline: /sync requests wait for `online`; everything else goes through.
let offline = false;
let online = () => undefined;
let onlineGate = Promise.resolve();
let syncsInFlight = 0;
let idle = () => undefined;
const fetchFn = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const isSync = url.includes('/sync?') || url.endsWith('/sync');
  if (!isSync) return fetch(input, init);
  if (offline) await onlineGate;
  syncsInFlight++;
  try {
    return await fetch(input, init);
  } finally {
    if (--syncsInFlight === 0) idle();
  }
};

// The SDK loaded, nothing synced: this process's floor, beside its peak.
const startRssMb = process.memoryUsage().rss / 1048576;
const start = performance.now();
const startCpu = process.cpuUsage();
const startThreads = threadSnapshot();
const client = createClient({
  baseUrl: env('BENCH_URL'),
  accessToken: env('BENCH_TOKEN'),
  userId: env('BENCH_USER'),
  deviceId: env('BENCH_DEVICE'),
  fetchFn,
});
if (encrypted) await client.initRustCrypto({ useIndexedDB: true });
const catchup = process.env.BENCH_CATCHUP === '1';
const prepared = new Promise((resolve, reject) => {
  client.on(ClientEvent.Sync, (state, _prev, data) => {
    if (state === 'PREPARED') {
      // Set in the handler, before the SDK sends its next /sync. Encrypted:
      // a /sync from this token would acknowledge (delete) the room keys
      // waiting for this device, which the next run needs again.
      if (catchup || encrypted) {
        offline = true;
        onlineGate = new Promise((r) => (online = r));
      }
      resolve();
    }
    if (state === 'ERROR') reject(data?.error ?? new Error('sync error'));
  });
});
await client.startClient({
  initialSyncLimit: Number(env('BENCH_TIMELINE_LIMIT')),
  lazyLoadMembers: true,
  pollTimeout: 0,
});
await prepared;
if (dumpOut) await register(dumpOut);
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(startCpu);
const threads = threadCpuSince(startThreads);
const rooms = client.getRooms();
const events = rooms.flatMap((r) => r.getLiveTimeline().getEvents());
emit({
  phase: 'initial',
  seconds,
  // Every thread of this process from createClient to PREPARED.
  cpu_s: (cpu.user + cpu.system) / 1e6,
  // The same, the JavaScript thread and the rest (threadCpu.mjs).
  ...(threads ? { cpu_threads_ms: threads } : {}),
  peak_rss_mb: peakRssMb(),
  start_rss_mb: startRssMb,
  rooms: rooms.length,
  events: events.length,
  members: rooms.reduce((n, r) => n + r.getMembers().length, 0),
  ...(encrypted ? await decryption(events) : {}),
});

if (catchup) {
  if (syncsInFlight > 0) await new Promise((r) => (idle = r));
  const token = client.store.getSyncToken();
  emit({ phase: 'offline', token });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'online') break;
  let newEvents = 0;
  client.on(RoomEvent.Timeline, (_e, _room, toStartOfTimeline) => {
    if (!toStartOfTimeline) newEvents++;
  });
  const resumed = new Promise((resolve) => {
    client.on(ClientEvent.Sync, (state, _prev, data) => {
      if (state === 'SYNCING' && data?.oldSyncToken === token) resolve();
    });
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  online();
  await resumed;
  const cpu = process.cpuUsage(cpu0);
  emit({
    phase: 'catchup',
    seconds: (performance.now() - t0) / 1000,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    new_events: newEvents,
  });
}
client.stopClient();
process.exit(0);

/**
 * Seeding: this device's keys are on the server (so senders share room keys
 * with it); its crypto store goes to `file` and the process ends.
 */
async function register(file) {
  for (let i = 0; ; i++) {
    const res = await fetch(`${env('BENCH_URL')}/_matrix/client/v3/keys/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env('BENCH_TOKEN')}` },
      body: JSON.stringify({ device_keys: { [env('BENCH_USER')]: [env('BENCH_DEVICE')] } }),
    });
    const body = await res.json();
    if (body.device_keys?.[env('BENCH_USER')]?.[env('BENCH_DEVICE')]) break;
    if (i > 300) throw new Error('the SDK did not upload its device keys');
    await new Promise((r) => setTimeout(r, 100));
  }
  client.stopClient();
  const { dumpIndexedDb } = await import('./idbDump.mjs');
  await dumpIndexedDb(file);
  emit({ phase: 'registered' });
  process.exit(0);
}

/** How many of the synced encrypted events the SDK decrypted (it decrypts as it processes them). */
async function decryption(events) {
  const enc = events.filter((e) => e.isEncrypted());
  await Promise.all(enc.map((e) => e.getDecryptionPromise?.() ?? null));
  return {
    encrypted_events: enc.length,
    decrypted: enc.filter((e) => !e.isDecryptionFailure() && e.getClearContent() !== null).length,
    restore_s: restoreSeconds,
    // From createClient to every synced encrypted event decrypted (or failed).
    decrypted_s: (performance.now() - start) / 1000,
    decrypted_cpu_s: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(startCpu)),
    decrypted_cpu_threads_ms: threadCpuSince(startThreads),
  };
}

function peakRssMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}
