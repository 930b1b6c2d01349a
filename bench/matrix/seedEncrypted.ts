// The encrypted benchmark account: the plain account's rooms and messages,
// every room end-to-end encrypted and every message sent by a matrix-js-sdk
// peer (`ada`) with its Rust crypto. A device can only decrypt what was
// encrypted after its keys were on the server, so Parley's and the SDK's
// benchmark devices are made first (Parley's crypto store kept in the seed
// dir; the SDK's in-memory IndexedDB dumped to a file), and the room keys the
// peer sends them wait on the server as to-device messages. Each run starts
// both clients on a copy of those stores, with no sync token: an initial sync
// that brings the room keys and the encrypted timelines together.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { MsgType } from 'matrix-js-sdk';
import type { Synapse } from '../../test/servers/synapse/harness.js';
import { login } from './bare.js';
import {
  corpus,
  createRooms,
  registerEveryone,
  sendAll,
  type SeedManifest,
  type SeedSpec,
} from './seed.js';

/** In every tenth seeded message: what the benchmark searches for after the sync. */
export const SEARCH_WORD = 'palimpsest';

export async function seedEncrypted(
  synapse: Synapse,
  spec: SeedSpec,
  parleyBundle: string,
  sdkScript: string,
): Promise<Omit<SeedManifest, 'seconds'>> {
  const { owner, peers } = await registerEveryone(synapse);
  const dir = synapse.dataDir;

  const parley = await login(synapse, 'parley-e2ee');
  const cryptoKey = randomBytes(32).toString('base64');
  const parleyEnv = {
    BENCH_TOKEN: parley.token,
    BENCH_DEVICE: parley.deviceId,
    BENCH_USER: parley.userId,
    BENCH_CRYPTO_KEY: cryptoKey,
    BENCH_CRYPTO_TEMPLATE: join(dir, 'parley-crypto'),
    BENCH_SEED_URL: synapse.url,
  };
  const profile = mkdtempSync(join(tmpdir(), 'parley-bench-register-'));
  try {
    await runToEnd(process.execPath, [parleyBundle], {
      ...parleyEnv,
      BENCH_MODE: 'register',
      BENCH_PROFILE: profile,
      BENCH_URL: synapse.url,
      BENCH_TIMELINE_LIMIT: '20',
      BENCH_CRYPTO_DIR: join(dir, 'parley-crypto'),
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  const sdk = await login(synapse, 'jssdk-e2ee');
  const sdkEnv = {
    BENCH_TOKEN: sdk.token,
    BENCH_DEVICE: sdk.deviceId,
    BENCH_USER: sdk.userId,
    BENCH_CRYPTO_DUMP: join(dir, 'jssdk-crypto.bin'),
  };
  await runToEnd(process.execPath, [sdkScript], {
    ...sdkEnv,
    BENCH_URL: synapse.url,
    BENCH_TIMELINE_LIMIT: '20',
    BENCH_ENCRYPTED: '1',
    BENCH_CRYPTO_DUMP_OUT: sdkEnv.BENCH_CRYPTO_DUMP,
  });
  process.stderr.write('benchmark devices made: Parley and matrix-js-sdk\n');

  const roomIds = await createRooms(synapse, owner, peers, spec, () => ({
    initial_state: [
      {
        type: 'm.room.encryption',
        state_key: '',
        // One Megolm session per room for the whole history: the room keys
        // then fit in one sync's to-device messages (Synapse sends 100 at most).
        content: {
          algorithm: 'm.megolm.v1.aes-sha2',
          rotation_period_msgs: 10_000_000,
          rotation_period_ms: 10 * 365 * 24 * 3600 * 1000,
        },
      },
    ],
  }));
  process.stderr.write(
    `created ${roomIds.length} encrypted rooms; sending ${spec.messages} messages\n`,
  );
  const { client: sender, msgText: sdkMsgText } = await senderClient(
    synapse,
    peers[0]!.userId,
    roomIds,
  );
  const texts = await corpus(spec.corpusFile, spec.messages);
  const sent = await sendAll(roomIds, texts, spec.concurrency, (room, j, body) =>
    sender.sendMessage(roomIds[room]!, {
      msgtype: sdkMsgText,
      body: j % 10 === 0 ? `${body} ${SEARCH_WORD}` : body,
    }),
  );
  sender.stopClient();
  return {
    rooms: roomIds.length,
    messages: sent,
    roomIds,
    peers: peers.map((p) => ({ userId: p.userId, token: p.accessToken })),
    parleyEnv,
    sdkEnv,
    searchWord: SEARCH_WORD,
  };
}

/** The peer's matrix-js-sdk with Rust crypto, synced into every room. */
async function senderClient(synapse: Synapse, userId: string, roomIds: string[]) {
  // The SDK asks for IndexedDB; its crypto store here lives in memory.
  await import('fake-indexeddb/auto' as string);
  // The SDK's loggers (bound to the console methods when it loads) and its
  // wasm's tracing write to stdout, whose last line is the benchmark's
  // result: silenced for the rest of this process (run.ts prints with
  // process.stdout.write).
  for (const k of ['log', 'debug', 'info', 'warn', 'trace'] as const) console[k] = () => undefined;
  const sdk = await import('matrix-js-sdk');
  const session = await login(synapse, 'seeder', userId.slice(1, userId.indexOf(':')));
  const silent = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (...msg: unknown[]) => console.error('[js-sdk]', ...msg),
    getChild: () => silent,
  };
  const client = sdk.createClient({
    baseUrl: synapse.url,
    userId,
    deviceId: session.deviceId,
    accessToken: session.token,
    logger: silent,
    // The default scheduler sends every message through one queue; one per
    // room lets rooms be written in parallel, each in order.
    scheduler: new sdk.MatrixScheduler(
      sdk.MatrixScheduler.RETRY_BACKOFF_RATELIMIT,
      (event) => event.getRoomId() ?? null,
    ),
  });
  await client.initRustCrypto({ useIndexedDB: false });
  await client.startClient({ initialSyncLimit: 1 });
  for (let i = 0; roomIds.some((r) => !client.getRoom(r)); i++) {
    if (i > 1200) throw new Error('the seeding client did not see every room');
    await new Promise((r) => setTimeout(r, 100));
  }
  const msgText: MsgType.Text = sdk.MsgType.Text;
  return { client, msgText };
}

function runToEnd(node: string, argv: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(node, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv[0]} exited ${code}: ${err}`)),
    );
  });
}
