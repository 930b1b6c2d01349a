// One Parley initial sync, measured in its own process (bench/matrix/run.ts
// bundles this file and runs it with plain node). Reads the session from the
// environment, syncs into a fresh profile exactly as the sync engine's initial
// phase does (connector.sync → BatchWriter.apply, one transaction per batch),
// then prints one JSON line: seconds, peak RSS, what landed in the store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { connectorContext } from '../../main/daemon/connectors/context.js';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const homeserver = env('BENCH_URL');
const session = {
  accessToken: env('BENCH_TOKEN'),
  deviceId: env('BENCH_DEVICE'),
  userId: env('BENCH_USER'),
  homeserver,
};
const timelineLimit = Number(env('BENCH_TIMELINE_LIMIT'));

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-matrix-'));
try {
  const start = performance.now();
  const store = Store.open(dir);
  const account = store.accounts.add({
    protocol: 'matrix',
    server: homeserver,
    username: session.userId,
  });
  const connector = new MatrixConnector({ timelineLimit });
  const ctx = connectorContext({
    account,
    secret: JSON.stringify(session),
    signal: new AbortController().signal,
    cursor: (stream: string) => store.writer.cursor(account.id, stream),
    openBlob: (sha256) => store.blobs.open(sha256),
    log: () => undefined,
  });
  for await (const batch of connector.sync(ctx)) store.writer.apply(account.id, batch);
  const seconds = (performance.now() - start) / 1000;
  const count = (sql: string) => store.db.prepare(sql).pluck().get() as number;
  const result = {
    seconds,
    peak_rss_mb: peakRssMb(),
    rooms: count(`SELECT count(*) FROM chats`),
    events: count(`SELECT count(*) FROM messages`),
    members: count(`SELECT count(*) FROM chat_members`),
  };
  store.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}
