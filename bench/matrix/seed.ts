// The benchmark's Synapse account: `bench` and four peers in N rooms holding M
// messages (git commit paragraphs), seeded once per size and kept under
// .cache/bench-matrix/ so later runs only copy it. Every run works on a copy,
// so what a run adds (the catch-up's 5,000 events, devices, acknowledged
// to-device messages) never reaches the cached server.
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Synapse, type RegisteredUser } from '../../test/servers/synapse/harness.js';

export const C = '/_matrix/client/v3';
export const PEERS = ['ada', 'linus', 'junio', 'grace'] as const;
const log = (line: string) => process.stderr.write(`${line}\n`);

export interface SeedSpec {
  rooms: number;
  messages: number;
  concurrency: number;
  corpusFile: string;
}

export interface SeedManifest {
  rooms: number;
  messages: number;
  seconds: number;
  roomIds: string[];
  /** Access tokens of the peers (the catch-up sends as them). */
  peers: { userId: string; token: string }[];
  /** Encrypted seeds: Parley's pre-made device (session and crypto store). */
  parleyEnv?: Record<string, string>;
  /** Encrypted seeds: the SDK's pre-made device (session and crypto store dump). */
  sdkEnv?: Record<string, string>;
  /** A word in many of the seeded messages, searched for after an encrypted sync. */
  searchWord?: string;
}

const MANIFEST = 'bench-seed.json';

/**
 * A running Synapse on a private copy of the cached seed for `spec` (seeding
 * it first when the cache has none). `dir` is the cache entry.
 */
export async function seededSynapse(
  spec: SeedSpec,
  dir: string,
  seedInto: (synapse: Synapse, spec: SeedSpec) => Promise<Omit<SeedManifest, 'seconds'>>,
): Promise<{ synapse: Synapse; manifest: SeedManifest; workDir: string }> {
  if (!existsSync(join(dir, MANIFEST))) {
    rmSync(dir, { recursive: true, force: true });
    // Presence off while seeding: every send would otherwise update the
    // sender's presence, work the benchmark does not need in its history.
    const synapse = await Synapse.start({
      dataDir: dir,
      overrides: { presence: { enabled: false } },
    });
    const t0 = performance.now();
    try {
      const m = await seedInto(synapse, spec);
      const seconds = (performance.now() - t0) / 1000;
      log(`seeded ${m.rooms} rooms, ${m.messages} messages in ${seconds.toFixed(1)} s`);
      // Written after a clean stop below, so a killed seeding is never reused.
      await synapse.stop();
      writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...m, seconds }));
    } catch (err) {
      await synapse.stop();
      throw err;
    }
  } else log(`reusing the seeded server in ${dir}`);
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as SeedManifest;
  const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-synapse-'));
  cpSync(dir, workDir, { recursive: true });
  // The pid file of the cached server would stop the copy from starting.
  rmSync(join(workDir, 'homeserver.pid'), { force: true });
  const synapse = await Synapse.start({ dataDir: workDir });
  return { synapse, manifest, workDir };
}

/** The plain (unencrypted) account: raw client-server calls, many at a time. */
export async function seedPlain(
  synapse: Synapse,
  spec: SeedSpec,
): Promise<Omit<SeedManifest, 'seconds'>> {
  const { owner, peers } = await registerEveryone(synapse);
  const roomIds = await createRooms(synapse, owner, peers, spec, () => ({}));
  log(`created ${roomIds.length} rooms; sending ${spec.messages} messages`);
  const texts = await corpus(spec.corpusFile, spec.messages);
  const everyone = [owner, ...peers];
  const sent = await sendAll(roomIds, texts, spec.concurrency, (room, j, body, txn) => {
    const u = everyone[(j * 7 + room) % everyone.length]!;
    return synapse.api(
      u.accessToken,
      'PUT',
      `${C}/rooms/${encodeURIComponent(roomIds[room]!)}/send/m.room.message/s${txn}`,
      { msgtype: 'm.text', body },
    );
  });
  return {
    rooms: roomIds.length,
    messages: sent,
    roomIds,
    peers: peers.map((p) => ({ userId: p.userId, token: p.accessToken })),
  };
}

export async function registerEveryone(synapse: Synapse) {
  const owner = await synapse.register('bench', 'pw-bench');
  const peers = await Promise.all(PEERS.map((n) => synapse.register(n, `pw-${n}`)));
  const names = ['Bench', 'Ada', 'Linus', 'Junio', 'Grace'];
  await Promise.all(
    [owner, ...peers].map((u, i) =>
      synapse.api(
        u.accessToken,
        'PUT',
        `${C}/profile/${encodeURIComponent(u.userId)}/displayname`,
        { displayname: names[i] },
      ),
    ),
  );
  return { owner, peers };
}

/** `spec.rooms` rooms made by `owner`, every peer joined; several rooms at a time. */
export async function createRooms(
  synapse: Synapse,
  owner: RegisteredUser,
  peers: RegisteredUser[],
  spec: SeedSpec,
  extra: (i: number) => Record<string, unknown>,
): Promise<string[]> {
  const roomIds: string[] = new Array<string>(spec.rooms);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < spec.rooms; i = next++) {
      const { room_id } = await synapse.api<{ room_id: string }>(
        owner.accessToken,
        'POST',
        `${C}/createRoom`,
        {
          name: `Room ${i + 1}`,
          topic: `Bench room ${i + 1}`,
          invite: peers.map((p) => p.userId),
          ...extra(i),
        },
      );
      for (const p of peers)
        await synapse.api(p.accessToken, 'POST', `${C}/join/${encodeURIComponent(room_id)}`, {});
      roomIds[i] = room_id;
      if ((i + 1) % 50 === 0) log(`  ${i + 1} rooms`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.rooms) }, worker));
  return roomIds;
}

/**
 * Sends `texts` round-robin over the rooms, each room's share in order, with
 * `concurrency` rooms written at a time (Synapse serialises a room's events,
 * so parallel sends to one room would only queue).
 */
export async function sendAll(
  roomIds: string[],
  texts: string[],
  concurrency: number,
  send: (room: number, j: number, body: string, txn: number) => Promise<unknown>,
): Promise<number> {
  const perRoom = roomIds.map(() => [] as string[]);
  texts.forEach((t, i) => perRoom[i % roomIds.length]!.push(t));
  let sent = 0;
  let txn = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let r = next++; r < roomIds.length; r = next++) {
      for (const [j, body] of perRoom[r]!.entries()) {
        await send(r, j, body, ++txn);
        if (++sent % 5000 === 0)
          log(`  ${sent} sent (${(sent / ((performance.now() - t0) / 1000)).toFixed(0)}/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, roomIds.length) }, worker));
  return sent;
}

/**
 * `n` chat-sized texts: the paragraphs of the git history corpus in order
 * (trailer lines dropped), repeated with a round number when it runs out.
 */
export async function corpus(file: string, n: number): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()) });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { text } = JSON.parse(line) as { text?: string };
    for (const para of (text ?? '').split('\n\n')) {
      const body = para
        .split('\n')
        .filter((l) => !/^[A-Z][\w-]+-by: /.test(l))
        .join('\n')
        .trim()
        .slice(0, 2000);
      if (body) out.push(body);
      if (out.length >= n) break;
    }
    if (out.length >= n) break;
  }
  lines.close();
  if (out.length === 0) throw new Error(`no text in ${file}`);
  const base = out.length;
  for (let i = 0; out.length < n; i++)
    out.push(`${out[i % base]!} (round ${Math.floor(i / base) + 2})`);
  return out;
}
