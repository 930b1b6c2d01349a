// One matrix-js-sdk initial sync, measured in its own process: the same
// account, timeline limit and lazy member loading as Parley's run; the SDK's
// default in-memory store, no crypto. Prints one JSON line like parleyClient.
import { readFileSync } from 'node:fs';

// The SDK logs at debug level through loglevel, which binds console methods
// when its loggers are built: silenced before the import, so neither client
// pays for log output.
for (const k of ['log', 'debug', 'info', 'warn', 'trace']) console[k] = () => undefined;
const { ClientEvent, createClient } = await import('matrix-js-sdk');
const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const start = performance.now();
const client = createClient({
  baseUrl: env('BENCH_URL'),
  accessToken: env('BENCH_TOKEN'),
  userId: env('BENCH_USER'),
  deviceId: env('BENCH_DEVICE'),
});
const prepared = new Promise((resolve, reject) => {
  client.on(ClientEvent.Sync, (state, _prev, data) => {
    if (state === 'PREPARED') resolve();
    if (state === 'ERROR') reject(data?.error ?? new Error('sync error'));
  });
});
await client.startClient({
  initialSyncLimit: Number(env('BENCH_TIMELINE_LIMIT')),
  lazyLoadMembers: true,
  pollTimeout: 0,
});
await prepared;
const seconds = (performance.now() - start) / 1000;
const rooms = client.getRooms();
const result = {
  seconds,
  peak_rss_mb: peakRssMb(),
  rooms: rooms.length,
  events: rooms.reduce((n, r) => n + r.getLiveTimeline().getEvents().length, 0),
  members: rooms.reduce((n, r) => n + r.getMembers().length, 0),
};
client.stopClient();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);

function peakRssMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}
