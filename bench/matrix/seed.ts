// The benchmark's Synapse account: `bench` and four peers in N rooms holding M
// messages (git commit paragraphs), seeded once per size and kept under
// .cache/bench-matrix/ so later runs only copy it. Every run works on a copy,
// so what a run adds (the catch-up's 5,000 events, devices, acknowledged
// to-device messages) never reaches the cached server.
//
// Seeding speed (measured, docs/performance.md): Synapse spends ~14 ms of
// CPU per message whatever its config (presence off, stats off, the
// federation sender off and 12 or 32 sends at a time made no measurable
// difference), and on a disk it also waits for SQLite's fsync of every
// commit (several per event). So the plain seeding runs the server on tmpfs
// (/dev/shm: no fsync cost; 34 → 54 messages/s in one sitting) and copies
// the finished server into the cache. It resumes: the progress (users'
// tokens, rooms, messages sent per room) is kept beside the seeding server,
// and every message has a transaction id fixed by its room and position, so
// a message re-sent after a kill is one Synapse already has (it answers with
// the same event, from its persisted transaction ids).
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
  /** Messages per second while sending (plain seeds; over every attempt when resumed). */
  sendRate?: number;
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

export type Seeder = (
  synapse: Synapse,
  spec: SeedSpec,
  progress: SeedProgress,
) => Promise<Omit<SeedManifest, 'seconds'>>;

const MANIFEST = 'bench-seed.json';
const PROGRESS = 'bench-seed-progress.json';

/**
 * Where a seeding server lives until it is complete: tmpfs when the machine
 * has one (PARLEY_SEED_STAGING overrides; empty: seed in the cache itself).
 */
function stagingRoot(): string | null {
  const env = process.env.PARLEY_SEED_STAGING;
  if (env !== undefined) return env || null;
  try {
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : null;
  } catch {
    return null;
  }
}

/**
 * A running Synapse on a private copy of the cached seed for `spec` (seeding
 * it first when the cache has none). `dir` is the cache entry. With `stage`,
 * the seeding runs on tmpfs and resumes an unfinished one found there.
 */
export async function seededSynapse(
  spec: SeedSpec,
  dir: string,
  seedInto: Seeder,
  opts: { stage: boolean },
): Promise<{ synapse: Synapse; manifest: SeedManifest; workDir: string }> {
  if (!existsSync(join(dir, MANIFEST))) await seed(spec, dir, seedInto, opts.stage);
  else log(`reusing the seeded server in ${dir}`);
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as SeedManifest;
  const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-synapse-'));
  cpSync(dir, workDir, { recursive: true });
  // The pid file of the cached server would stop the copy from starting.
  rmSync(join(workDir, 'homeserver.pid'), { force: true });
  const synapse = await Synapse.start({ dataDir: workDir });
  return { synapse, manifest, workDir };
}

async function seed(spec: SeedSpec, dir: string, seedInto: Seeder, stage: boolean) {
  const root = stage ? stagingRoot() : null;
  const work = root ? join(root, `parley-bench-matrix-${basename(dir)}`) : dir;
  if (work !== dir) rmSync(dir, { recursive: true, force: true });
  const progress = new SeedProgress(join(work, PROGRESS));
  if (progress.resumed) {
    log(`resuming the seeding in ${work} (${progress.sentTotal()} messages sent before)`);
    stillRunning(join(work, 'homeserver.pid'));
    rmSync(join(work, 'homeserver.pid'), { force: true });
  } else rmSync(work, { recursive: true, force: true });
  if (work !== dir) log(`seeding in ${work}, copied to ${dir} when complete`);
  // Presence off while seeding: every send would otherwise update the
  // sender's presence, work the benchmark does not need in its history.
  const synapse = await Synapse.start({
    dataDir: work,
    overrides: { presence: { enabled: false } },
  });
  const t0 = performance.now();
  const elapsed = () => progress.secondsBefore + (performance.now() - t0) / 1000;
  // Ctrl-C or a kill: the server stops cleanly and the progress is kept, so
  // the next run resumes (a server left running would share its database
  // with the next one).
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    log(`${signal}: stopping the seeding server; the next run resumes from ${work}`);
    if (progress.used) progress.save(elapsed());
    void synapse.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const m = await seedInto(synapse, spec, progress);
    const seconds = elapsed();
    log(`seeded ${m.rooms} rooms, ${m.messages} messages in ${seconds.toFixed(1)} s`);
    // The manifest is written after a clean stop and a complete copy, so a
    // killed seeding is never taken for a seeded server.
    await synapse.stop();
    if (work !== dir) {
      cpSync(work, dir, { recursive: true });
      rmSync(join(dir, PROGRESS), { force: true });
    } else progress.forget();
    writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...m, seconds }));
    if (work !== dir) rmSync(work, { recursive: true, force: true });
  } catch (err) {
    // Sends fail once the server stops: the signal handler ends the process.
    if (stopping) await new Promise(() => undefined);
    if (progress.used) progress.save(elapsed());
    await synapse.stop();
    throw err;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
}

/** Refuses to resume next to a seeding server that is still running. */
function stillRunning(pidFile: string): void {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // gone
  }
  throw new Error(`a seeding server (pid ${pid}) still runs on ${pidFile}: stop it first`);
}

interface SavedProgress {
  users: Record<string, RegisteredUser>;
  rooms: (string | null)[];
  sent: number[];
  secondsBefore: number;
  sendSecondsBefore: number;
}

/**
 * What a plain seeding has done, on disk beside its server, so a killed
 * seeding resumes where it was: the users' tokens (their devices scope the
 * transaction ids), the rooms made with every peer in them, the messages
 * each room has been sent, and the time spent so far. Saved at most once a
 * second while sending; whatever was sent after the last save is sent again
 * with the same transaction ids, which Synapse recognises.
 */
export class SeedProgress {
  users: Record<string, RegisteredUser> = {};
  rooms: (string | null)[] = [];
  sent: number[] = [];
  secondsBefore = 0;
  sendSecondsBefore = 0;
  readonly resumed: boolean;
  private savedAt = 0;
  private readonly started = performance.now();
  private sendStarted: number | null = null;

  constructor(private readonly file: string) {
    const p = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedProgress) : null;
    // Without the users' tokens there is nothing to resume with.
    this.resumed = Object.keys(p?.users ?? {}).length > 0;
    if (p && this.resumed) {
      this.users = p.users;
      this.rooms = p.rooms;
      this.sent = p.sent;
      this.secondsBefore = p.secondsBefore;
      this.sendSecondsBefore = p.sendSecondsBefore;
    }
  }

  /** Whether the seeder keeps its progress here (the plain one does; the encrypted one does not resume). */
  get used(): boolean {
    return Object.keys(this.users).length > 0;
  }

  sentTotal(): number {
    return this.sent.reduce((a, b) => a + b, 0);
  }

  startedSending(): void {
    this.sendStarted = performance.now();
  }

  /** Seconds spent sending, over every attempt. */
  sendSeconds(): number {
    const now = this.sendStarted === null ? 0 : (performance.now() - this.sendStarted) / 1000;
    return this.sendSecondsBefore + now;
  }

  /** Written atomically (a kill mid-write leaves the previous file). */
  save(seconds = this.secondsBefore + (performance.now() - this.started) / 1000): void {
    if (!existsSync(join(this.file, '..'))) return;
    const tmp = `${this.file}.tmp`;
    const saved: SavedProgress = {
      users: this.users,
      rooms: this.rooms,
      sent: this.sent,
      secondsBefore: seconds,
      sendSecondsBefore: this.sendSeconds(),
    };
    writeFileSync(tmp, JSON.stringify(saved));
    renameSync(tmp, this.file);
    this.savedAt = performance.now();
  }

  /** Saves unless it did within the last second (called after every send). */
  saveSoon(): void {
    if (performance.now() - this.savedAt > 1000) this.save();
  }

  forget(): void {
    rmSync(this.file, { force: true });
  }
}

/** The plain (unencrypted) account: raw client-server calls, many at a time; resumable. */
export async function seedPlain(
  synapse: Synapse,
  spec: SeedSpec,
  progress: SeedProgress,
): Promise<Omit<SeedManifest, 'seconds'>> {
  const { owner, peers } = await registerEveryone(synapse, progress);
  const roomIds = await createRooms(synapse, owner, peers, spec, () => ({}), progress);
  const before = progress.sentTotal();
  log(`${roomIds.length} rooms; sending ${spec.messages - before} of ${spec.messages} messages`);
  const texts = await corpus(spec.corpusFile, spec.messages);
  const everyone = [owner, ...peers];
  progress.startedSending();
  const sent = await sendAll(
    roomIds,
    texts,
    spec.concurrency,
    (room, j, body) => {
      const u = everyone[(j * 7 + room) % everyone.length]!;
      return synapse.api(
        u.accessToken,
        'PUT',
        // Fixed by the message's room and place: a re-send after a resume is
        // recognised (transaction ids are scoped to the sender's device).
        `${C}/rooms/${encodeURIComponent(roomIds[room]!)}/send/m.room.message/s${room}.${j}`,
        { msgtype: 'm.text', body },
      );
    },
    {
      from: progress.sent,
      onSent: (room, count) => {
        progress.sent[room] = count;
        progress.saveSoon();
      },
    },
  );
  const sendRate = (sent - before) / (progress.sendSeconds() - progress.sendSecondsBefore);
  log(`sent ${sent - before} messages at ${sendRate.toFixed(1)}/s`);
  return {
    rooms: roomIds.length,
    messages: sent,
    sendRate: Math.round((sent / progress.sendSeconds()) * 10) / 10,
    roomIds,
    peers: peers.map((p) => ({ userId: p.userId, token: p.accessToken })),
  };
}

/** The owner and the peers, with their display names (kept in `progress` for a resume). */
export async function registerEveryone(synapse: Synapse, progress?: SeedProgress) {
  const names = ['Bench', 'Ada', 'Linus', 'Junio', 'Grace'];
  const saved = progress?.users ?? {};
  const known = ['bench', ...PEERS].every((n) => saved[n]);
  const owner = known ? saved.bench! : await synapse.register('bench', 'pw-bench');
  const peers = known
    ? PEERS.map((n) => saved[n]!)
    : await Promise.all(PEERS.map((n) => synapse.register(n, `pw-${n}`)));
  if (progress && !known) {
    progress.users = Object.fromEntries([owner, ...peers].map((u) => [u.localpart, u]));
    progress.save();
  }
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

/**
 * `spec.rooms` rooms made by `owner`, every peer joined; several rooms at a
 * time. With `progress`, rooms already made are kept, and a room made by a
 * killed seeding before it was recorded is found by its name and adopted.
 */
export async function createRooms(
  synapse: Synapse,
  owner: RegisteredUser,
  peers: RegisteredUser[],
  spec: SeedSpec,
  extra: (i: number) => Record<string, unknown>,
  progress?: SeedProgress,
): Promise<string[]> {
  const roomIds: (string | null)[] = Array.from(
    { length: spec.rooms },
    (_, i) => progress?.rooms[i] ?? null,
  );
  const orphans = progress?.resumed ? await unrecordedRooms(synapse, owner, roomIds) : new Map();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < spec.rooms; i = next++) {
      if (roomIds[i]) continue;
      const room_id =
        (orphans.get(i) as string | undefined) ??
        (
          await synapse.api<{ room_id: string }>(owner.accessToken, 'POST', `${C}/createRoom`, {
            name: `Room ${i + 1}`,
            topic: `Bench room ${i + 1}`,
            invite: peers.map((p) => p.userId),
            ...extra(i),
          })
        ).room_id;
      // Joining a room one is in already adds nothing (Synapse sees the same membership).
      for (const p of peers)
        await synapse.api(p.accessToken, 'POST', `${C}/join/${encodeURIComponent(room_id)}`, {});
      roomIds[i] = room_id;
      if (progress) {
        progress.rooms = roomIds;
        progress.saveSoon();
      }
      if ((i + 1) % 50 === 0) log(`  ${i + 1} rooms`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.rooms) }, worker));
  progress?.save();
  return roomIds as string[];
}

/** Rooms `owner` is in that `roomIds` lacks, by the index their name gives ("Room 12" → 11). */
async function unrecordedRooms(
  synapse: Synapse,
  owner: RegisteredUser,
  roomIds: (string | null)[],
): Promise<Map<number, string>> {
  const { joined_rooms } = await synapse.api<{ joined_rooms: string[] }>(
    owner.accessToken,
    'GET',
    `${C}/joined_rooms`,
  );
  const known = new Set(roomIds);
  const found = new Map<number, string>();
  for (const id of joined_rooms.filter((r) => !known.has(r))) {
    const { name } = await synapse.api<{ name?: string }>(
      owner.accessToken,
      'GET',
      `${C}/rooms/${encodeURIComponent(id)}/state/m.room.name/`,
    );
    const i = Number(/^Room (\d+)$/.exec(name ?? '')?.[1]) - 1;
    if (i >= 0 && !roomIds[i] && !found.has(i)) found.set(i, id);
    // A second room of the same name would be one room too many in the account.
    else
      await synapse.api(
        owner.accessToken,
        'POST',
        `${C}/rooms/${encodeURIComponent(id)}/leave`,
        {},
      );
  }
  if (found.size) log(`  adopted ${found.size} rooms made before the seeding was stopped`);
  return found;
}

/**
 * Sends `texts` round-robin over the rooms, each room's share in order, with
 * `concurrency` rooms written at a time (Synapse creates a room's events one
 * at a time, so parallel sends to one room would only queue). `from[r]`:
 * how many of room r's messages were sent before (a resumed seeding);
 * `onSent(r, n)`: room r has had its first n messages sent. Returns the
 * number of messages the rooms hold from `texts`.
 */
export async function sendAll(
  roomIds: string[],
  texts: string[],
  concurrency: number,
  send: (room: number, j: number, body: string, txn: number) => Promise<unknown>,
  resume: { from?: number[]; onSent?: (room: number, count: number) => void } = {},
): Promise<number> {
  const perRoom = roomIds.map(() => [] as string[]);
  texts.forEach((t, i) => perRoom[i % roomIds.length]!.push(t));
  const from = (r: number) => Math.min(resume.from?.[r] ?? 0, perRoom[r]!.length);
  const todo = perRoom.reduce((n, texts, r) => n + texts.length - from(r), 0);
  let sent = 0;
  let txn = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let r = next++; r < roomIds.length; r = next++) {
      for (let j = from(r); j < perRoom[r]!.length; j++) {
        await send(r, j, perRoom[r]![j]!, ++txn);
        resume.onSent?.(r, j + 1);
        if (++sent % 5000 === 0) {
          const rate = sent / ((performance.now() - t0) / 1000);
          log(
            `  ${sent} of ${todo} sent (${rate.toFixed(0)}/s, ${((todo - sent) / rate / 60).toFixed(0)} min to go)`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, roomIds.length) }, worker));
  return perRoom.reduce((n, texts) => n + texts.length, 0);
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
