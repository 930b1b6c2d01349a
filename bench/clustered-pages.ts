// `npm run bench:clustered -- --profile DIR`: what clustering messages by chat
// would buy and cost, measured on a copy of a kept profile (`npm run bench --
// --keep DIR`). The messages table is in id order, and ids follow time, so a
// quiet chat's 50 newest messages sit on ~50 different pages; a table keyed by
// (chat_id, id) (WITHOUT ROWID) keeps them together. The same rows go into
// such a table beside the real one, with the indexes it would need to stand in
// for it (by id for the word index's hits and foreign keys, by remote id, by
// idempotency key, encrypted placeholders), and the two are read and written
// in turns:
// - a chat page's rows (newest, and 50 below a point deeper in the chat);
// - a search page's rows: 50 ids at random, looked up one by one, as a page of
//   word hits is (a clustered table reaches a row by id through its id index:
//   two descents instead of one);
// - live ingest: batches of 500 new messages in random chats.
// Each round reads the file through first (untimed) so both tables are read
// from the OS's cache, and opens a fresh connection with the store's page
// cache (32 MB). The last line is JSON: each figure clustered ÷ time-ordered.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from './prng.js';
import { readThrough } from './readThrough.js';
import { percentile } from './stats.js';

const USAGE = 'usage: npm run bench:clustered -- --profile DIR [--rounds N]';
/** The columns a chat page shows (readModel's MESSAGE_COLUMNS without the outbox state). */
const PAGE_COLUMNS = `id, chat_id, account_id, remote_id, sender_name, sender_remote_id, ts, kind, body,
  html, subject, reply_to_remote_id, thread_root_remote_id, edited_ts, deleted, has_attachment,
  mail_starred, mail_draft, mentions_self, encryption_sender_device, encryption_trust`;
const PAGE = 50;
const CHATS_PER_ROUND = 120;
const ID_PAGES_PER_ROUND = 100;
const INGEST_BATCHES = 40;
const INGEST_BATCH = 500;

interface Args {
  profile: string;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  let profile: string | null = null;
  let rounds = 6;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--profile') profile = argv[++i] ?? null;
    else if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (!profile) throw new Error(USAGE);
  if (!Number.isInteger(rounds) || rounds < 2) throw new Error(`--rounds needs an integer ≥ 2`);
  return { profile, rounds };
}

/** The clustered table: the messages table's columns, keyed by (chat_id, id). */
function buildClustered(db: Database.Database): void {
  const columns = (db.pragma('table_info(messages)') as { name: string }[]).map((c) => c.name);
  const definition = db
    .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'`)
    .pluck()
    .get() as string;
  // The real table's column definitions, foreign keys included (both layouts
  // pay the same parent lookups on insert), with id no longer the rowid key.
  const rowidKey = /\bid INTEGER PRIMARY KEY\b(?! AUTOINCREMENT)/;
  if (!rowidKey.test(definition))
    throw new Error('messages.id is not declared `id INTEGER PRIMARY KEY`: update this bench');
  const body = definition
    .slice(definition.indexOf('(') + 1, definition.lastIndexOf(')'))
    .replace(rowidKey, 'id INTEGER NOT NULL');
  const list = columns.join(', ');
  db.exec(`
    CREATE TABLE clustered (${body}, PRIMARY KEY (chat_id, id)) WITHOUT ROWID;
    INSERT INTO clustered (${list}) SELECT ${list} FROM messages ORDER BY chat_id, id;
    CREATE UNIQUE INDEX clustered_by_id ON clustered (id);
    CREATE UNIQUE INDEX clustered_remote ON clustered (account_id, remote_id) WHERE remote_id IS NOT NULL;
    CREATE UNIQUE INDEX clustered_by_idempotency ON clustered (idempotency_key)
      WHERE idempotency_key IS NOT NULL;
    CREATE INDEX clustered_waiting_for_key ON clustered (chat_id) WHERE kind = 'encrypted' AND deleted = 0;`);
}

/**
 * Both layouts must answer the same (else the comparison measures different
 * work): the newest page and a deeper one of a spread of chats, and rows by
 * id, each compared with what the real table answers.
 */
function sameWork(db: Database.Database): void {
  const answer = (sql: (table: string) => string, params: unknown[]) =>
    ['messages', 'clustered'].map((table) =>
      JSON.stringify(
        db
          .prepare(sql(table))
          .raw()
          .all(...params),
      ),
    );
  const pageSql = (table: string) =>
    `SELECT ${PAGE_COLUMNS} FROM ${table} WHERE chat_id = ? AND id < ? ORDER BY id DESC LIMIT ${PAGE}`;
  const chats = db.prepare(`SELECT id FROM chats ORDER BY id`).pluck().all() as number[];
  const deepPoint = db.prepare(
    `SELECT id FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1 OFFSET 120`,
  );
  for (const chat of chats.filter((_, i) => i % 25 === 0)) {
    const below = (deepPoint.pluck().get(chat) as number | undefined) ?? 0;
    for (const before of [Number.MAX_SAFE_INTEGER, below]) {
      const [real, copy] = answer(pageSql, [chat, before]);
      if (real !== copy) throw new Error(`chat ${chat}: the clustered copy answers another page`);
    }
  }
  const ids = db
    .prepare(`SELECT id FROM messages WHERE id % 1000 = 7 LIMIT 500`)
    .pluck()
    .all() as number[];
  const [real, copy] = answer(
    (table) => `SELECT ${PAGE_COLUMNS} FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(ids)],
  );
  if (real !== copy) throw new Error('the clustered copy answers other rows by id');
}

type Layout = 'time' | 'clustered';
const TABLE: Record<Layout, string> = { time: 'messages', clustered: 'clustered' };

interface Samples {
  newest: number[];
  deep: number[];
  byId: number[];
  ingest: number[];
}

interface Targets {
  /** [chat, the id 50 to 450 messages below its newest, or null when it has fewer] */
  pages: [number, number | null][];
  /** Pages of 50 ids at random. */
  idPages: number[][];
}

/**
 * The round's targets, read on a connection of their own and closed before
 * any timing: reading them walks the (chat_id, id) index, which would
 * otherwise sit warm in the timed connection's cache for one layout only.
 */
function pickTargets(file: string, seed: number): Targets {
  const db = new Database(file, { readonly: true });
  try {
    const chats = db.prepare(`SELECT id FROM chats ORDER BY id`).pluck().all() as number[];
    const deepPoint = db
      .prepare(`SELECT id FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?`)
      .pluck();
    const someIds = db
      .prepare(`SELECT id FROM messages WHERE id % 100 = ?`)
      .pluck()
      .all(seed % 100) as number[];
    const r = rng('clustered', seed);
    const pages: Targets['pages'] = [];
    for (let i = 0; i < CHATS_PER_ROUND; i++) {
      const chat = chats[Math.floor(r() * chats.length)]!;
      const below = deepPoint.get(chat, 50 + Math.floor(r() * 400)) as number | undefined;
      pages.push([chat, below ?? null]);
    }
    const idPages = Array.from({ length: ID_PAGES_PER_ROUND }, () =>
      Array.from({ length: PAGE }, () => someIds[Math.floor(r() * someIds.length)]!),
    );
    return { pages, idPages };
  } finally {
    db.close();
  }
}

function readRound(file: string, layout: Layout, targets: Targets, into: Samples): void {
  const db = new Database(file, { readonly: true });
  try {
    db.pragma('cache_size = -32000'); // the store's
    const table = TABLE[layout];
    const page = db
      .prepare(
        `SELECT ${PAGE_COLUMNS} FROM ${table} WHERE chat_id = ? AND id < ? ORDER BY id DESC LIMIT ${PAGE}`,
      )
      .raw();
    const byId = db.prepare(`SELECT ${PAGE_COLUMNS} FROM ${table} WHERE id = ?`).raw();
    for (const [chat, below] of targets.pages) {
      let t = performance.now();
      page.all(chat, Number.MAX_SAFE_INTEGER);
      into.newest.push(performance.now() - t);
      if (below === null) continue;
      t = performance.now();
      page.all(chat, below);
      into.deep.push(performance.now() - t);
    }
    for (const ids of targets.idPages) {
      const t = performance.now();
      for (const id of ids) byId.get(id);
      into.byId.push(performance.now() - t);
    }
  } finally {
    db.close();
  }
}

/** New messages in random chats, batches as live sync writes them; removed after. */
function ingestRound(file: string, layout: Layout, seed: number, into: Samples): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON'); // as the store: both tables check their chat and account
    db.pragma('cache_size = -32000');
    const table = TABLE[layout];
    const chats = db.prepare(`SELECT id, account_id FROM chats`).raw().all() as [number, number][];
    const top = db.prepare(`SELECT max(id) FROM messages`).pluck().get() as number;
    const insert = db.prepare(
      `INSERT INTO ${table} (id, account_id, chat_id, remote_id, sender_name, ts, kind, body, raw_json)
       VALUES (?, ?, ?, ?, 'Someone', ?, 'text', ?, ?)`,
    );
    const r = rng('clustered', seed);
    let n = 0;
    const batch = db.transaction(() => {
      for (let i = 0; i < INGEST_BATCH; i++) {
        const [chat, account] = chats[Math.floor(r() * chats.length)]!;
        n++;
        const body = `a live message ${n} with a few words in it, as most chat messages are`;
        insert.run(top + n * 16, account, chat, `bench-${n}`, Date.now(), body, `{"n":${n}}`);
      }
    });
    const t = performance.now();
    for (let b = 0; b < INGEST_BATCHES; b++) batch();
    into.ingest.push(performance.now() - t);
    db.prepare(`DELETE FROM ${table} WHERE id > ?`).run(top);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const source = join(args.profile, 'parley.db');
  if (!existsSync(source)) throw new Error(`no parley.db in ${args.profile}`);
  const dir = mkdtempSync(join(tmpdir(), 'parley-clustered-'));
  const file = join(dir, 'parley.db');
  // A copy of a 3M profile is 3 GB: it goes on Ctrl-C too.
  const removeCopy = () => rmSync(dir, { recursive: true, force: true });
  const interrupted = () => {
    removeCopy();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // A checkpointed source copies whole; a live WAL beside it is copied too.
    copyFileSync(source, file);
    if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, `${file}-wal`);
    let messages: number;
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      messages = db.prepare(`SELECT count(*) FROM messages`).pluck().get() as number;
      const t0 = performance.now();
      buildClustered(db);
      console.error(
        `clustered copy of ${messages} messages built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      sameWork(db);
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }

    const samples: Record<Layout, Samples> = {
      time: { newest: [], deep: [], byId: [], ingest: [] },
      clustered: { newest: [], deep: [], byId: [], ingest: [] },
    };
    for (let round = 0; round < args.rounds; round++) {
      // Alternating which goes first, so neither always follows the other.
      const order: Layout[] = round % 2 ? ['clustered', 'time'] : ['time', 'clustered'];
      const targets = pickTargets(file, 1000 + round);
      for (const layout of order) {
        readThrough(file);
        readRound(file, layout, targets, samples[layout]);
      }
      for (const layout of order) ingestRound(file, layout, 2000 + round, samples[layout]);
      console.error(`round ${round + 1}/${args.rounds}`);
    }

    const figure = (layout: Layout, kind: keyof Samples, p: number) =>
      percentile(samples[layout][kind], p);
    const ratio = (kind: keyof Samples, p: number) =>
      Math.round((figure('clustered', kind, p) / figure('time', kind, p)) * 100) / 100;
    const rows: [string, keyof Samples, number][] = [
      ['chat page, newest 50, p50', 'newest', 50],
      ['chat page, newest 50, p95', 'newest', 95],
      ['chat page, 50 deeper, p50', 'deep', 50],
      ['chat page, 50 deeper, p95', 'deep', 95],
      ['50 rows by id (a search page), p50', 'byId', 50],
      ['50 rows by id (a search page), p95', 'byId', 95],
      [`ingest ${INGEST_BATCHES} × ${INGEST_BATCH} messages, median`, 'ingest', 50],
    ];
    console.log(`${messages} messages; ms; ${args.rounds} rounds, the layouts alternating`);
    console.log(
      `${'figure'.padEnd(40)} ${'time-ordered'.padStart(12)} ${'clustered'.padStart(10)}  ratio`,
    );
    for (const [label, kind, p] of rows)
      console.log(
        `${label.padEnd(40)} ${figure('time', kind, p).toFixed(3).padStart(12)} ` +
          `${figure('clustered', kind, p).toFixed(3).padStart(10)}  ${ratio(kind, p)}×`,
      );
    console.log(
      JSON.stringify({
        messages,
        rounds: args.rounds,
        clustered_page_newest_p50_ratio: ratio('newest', 50),
        clustered_page_newest_p95_ratio: ratio('newest', 95),
        clustered_page_deep_p50_ratio: ratio('deep', 50),
        clustered_page_deep_p95_ratio: ratio('deep', 95),
        clustered_rows_by_id_p50_ratio: ratio('byId', 50),
        clustered_rows_by_id_p95_ratio: ratio('byId', 95),
        clustered_ingest_ratio: ratio('ingest', 50),
        time_page_newest_p50_ms: Math.round(figure('time', 'newest', 50) * 1000) / 1000,
        clustered_page_newest_p50_ms: Math.round(figure('clustered', 'newest', 50) * 1000) / 1000,
      }),
    );
  } finally {
    removeCopy();
  }
}

main();
