// The floor under any client that keeps every event durably and searchable
// (BENCH_MODE=floor in parleyClient.ts, a process of its own like the
// clients): the same initial /sync (same filter), its body parsed, and each
// message event written as a row of the store's columns plus its word-index
// entry (the store's FTS5 definition, prefix indexes included) by prepared
// INSERTs in one transaction, into a fresh SQLite file with the store's
// pragmas. No validation, no mapping, no chats, members, read state or change
// records: what no design can skip. Its CPU time against the SDK's says
// whether Parley's target (≤ 0.5× the SDK) is reachable at all.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { JsonSplitter } from '../../main/daemon/connectors/http/jsonSplit.js';

interface Event {
  type?: unknown;
  event_id?: unknown;
  sender?: unknown;
  origin_server_ts?: unknown;
  content?: { body?: unknown; msgtype?: unknown; format?: unknown; formatted_body?: unknown };
}
interface Sync {
  rooms?: { join?: Record<string, { timeline?: { events?: Event[] } }> };
}

const cpuS = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

interface FloorOptions {
  homeserver: string;
  token: string;
  timelineLimit: number;
  dir: string;
}

/** The initial /sync both clients make: the connector's filter, one request. */
function initialSync(opts: FloorOptions): Promise<Response> {
  const filter = {
    room: {
      state: { lazy_load_members: true },
      timeline: { limit: opts.timelineLimit, lazy_load_members: true },
    },
  };
  return fetch(
    `${opts.homeserver}/_matrix/client/v3/sync?filter=${encodeURIComponent(JSON.stringify(filter))}&timeout=0&set_presence=online`,
    { headers: { authorization: `Bearer ${opts.token}` } },
  );
}

export async function floorSync(opts: FloorOptions): Promise<Record<string, number>> {
  const start = performance.now();
  const c0 = process.cpuUsage();
  const res = await initialSync(opts);
  const text = await res.text();
  if (!res.ok) throw new Error(`floor /sync: ${res.status}`);
  const httpCpu = cpuS(c0);
  const c1 = process.cpuUsage();
  const body = JSON.parse(text) as Sync;
  const parseCpu = cpuS(c1);

  const c2 = process.cpuUsage();
  const floor = openFloorStore(opts.dir);
  const schemaCpu = cpuS(c2);
  const c3 = process.cpuUsage();
  floor.db.transaction(() => {
    let chat = 0;
    for (const room of Object.values(body.rooms?.join ?? {})) floor.storeRoom(++chat, room);
  })();
  floor.db.close();
  const insertCpu = cpuS(c3);
  return {
    seconds: (performance.now() - start) / 1000,
    cpu_s: cpuS(c0),
    http_cpu_s: httpCpu,
    parse_cpu_s: parseCpu,
    // A fresh file, its pragmas and schema; then the rows, index and commit.
    schema_cpu_s: schemaCpu,
    insert_cpu_s: insertCpu,
    events: floor.rows(),
  };
}

type Room = { timeline?: { events?: Event[] } };

/**
 * The memory floor (BENCH_MODE=floor-stream): the same /sync, its body
 * streamed through the connector kit's splitter, each room's messages written
 * (one transaction, as above) the moment the room is parsed and then dropped.
 * No client holds less of a /sync and still stores it durably: the process's
 * peak RSS is node, SQLite's pages and one room.
 */
export async function floorSyncStreamed(opts: FloorOptions): Promise<Record<string, number>> {
  const start = performance.now();
  const c0 = process.cpuUsage();
  const floor = openFloorStore(opts.dir);
  let chat = 0;
  const splitter = new JsonSplitter(
    (p) => p.length === 3 && p[0] === 'rooms',
    () => 'floor /sync: not JSON',
    (path, room) => {
      if (path[1] === 'join') floor.storeRoom(++chat, room as Room);
    },
  );
  floor.db.exec('BEGIN');
  const res = await initialSync(opts);
  if (!res.ok || !res.body) throw new Error(`floor /sync: ${res.status}`);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) splitter.push(chunk);
  splitter.end();
  floor.db.exec('COMMIT');
  floor.db.close();
  return { seconds: (performance.now() - start) / 1000, cpu_s: cpuS(c0), events: floor.rows() };
}

/**
 * A fresh SQLite file with the store's pragmas, its messages table and word
 * index; `storeRoom` writes a room's message events as rows and index entries.
 */
function openFloorStore(dir: string) {
  const db = new Database(join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  db.exec(`
    CREATE TABLE messages (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL, remote_id TEXT NOT NULL, sender_remote_id TEXT, sender_name TEXT,
      ts INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT, body TEXT NOT NULL, html TEXT,
      reply_to_remote_id TEXT, thread_root_remote_id TEXT, edited_ts INTEGER,
      deleted INTEGER NOT NULL, has_attachment INTEGER NOT NULL, mentions_self INTEGER NOT NULL,
      from_self INTEGER NOT NULL, idempotency_key TEXT, raw_json TEXT, edit_scope TEXT,
      notify INTEGER, mail_starred INTEGER, mail_draft INTEGER,
      encryption_sender_device TEXT, encryption_trust TEXT);
    CREATE UNIQUE INDEX messages_by_remote ON messages (account_id, remote_id);
    CREATE INDEX messages_by_chat ON messages (chat_id, id);
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
      body, subject, sender, content = '', contentless_delete = 1,
      tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6');
  `);
  const insert = db.prepare(`
    INSERT INTO messages (id, account_id, chat_id, remote_id, sender_remote_id, sender_name, ts,
      kind, subject, body, html, reply_to_remote_id, thread_root_remote_id, edited_ts, deleted,
      has_attachment, mentions_self, from_self, idempotency_key, raw_json, edit_scope, notify,
      mail_starred, mail_draft, encryption_sender_device, encryption_trust)
    VALUES (?, 1, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, NULL, 0, 0, 0, 0, NULL, ?, ?, NULL,
      NULL, NULL, NULL, NULL)`);
  const index = db.prepare(
    `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, NULL, ?)`,
  );
  let rows = 0;
  const used = new Set<number>();
  const storeRoom = (chat: number, room: Room) => {
    for (const e of room.timeline?.events ?? []) {
      const b = e.content?.body;
      if (e.type !== 'm.room.message' || typeof b !== 'string') continue;
      const ts = Number(e.origin_server_ts);
      // The store's key shape (ts × 1024 + slot); a slot taken (events of one
      // millisecond) moves to the next, as the store's collision search does.
      let id = ts * 1024 + (rows % 1024);
      while (used.has(id)) id++;
      used.add(id);
      const html = e.content?.format === 'org.matrix.custom.html' ? e.content.formatted_body : null;
      insert.run(
        id,
        chat,
        String(e.event_id),
        String(e.sender),
        String(e.sender),
        ts,
        'text',
        b,
        typeof html === 'string' ? html : null,
        JSON.stringify(e),
        String(e.type),
      );
      index.run(id, b, String(e.sender));
      rows++;
    }
  };
  return { db, storeRoom, rows: () => rows };
}
