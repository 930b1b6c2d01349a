// The crash soak: the app (a daemon in a child process, soakChild.ts) is
// SIGKILLed at random moments while it
//   - syncs and backfills a Matrix room with history (real Synapse; another
//     user keeps writing),
//   - sends from its outbox to Matrix and to JMAP Chat (the reference server;
//     another user writes there too),
//   - syncs a JMAP Mail account of thousands of mails (real Cyrus; new mail
//     arrives),
//   - serves the web UI to a page kept open in Chromium, which must notice
//     each kill and reconnect to the next life by itself.
// After every kill the profile must pass integrity_check and hold, per
// account, no server message twice and nothing the server lacks, and no send
// twice; at the end, after one last life that runs until it is idle, every
// server message is stored exactly once and every queued send reached its
// server exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tempDir, waitFor } from '../helpers/fixtures.js';
import type { Protocol } from '../../main/daemon/model/types.js';
import { SOAK_SEND, type SoakSide } from './sides/side.js';
import { jmapChatSide } from './sides/jmapChat.js';
import { matrixSide } from './sides/matrix.js';
import { jmapMailSide } from './sides/jmapMail.js';
import { soakPage, type SoakPage } from './webPage.js';
import type { ChildConfig } from './soakChild.js';

const CHILD = fileURLToPath(new URL('./soakChild.ts', import.meta.url));

export interface SoakOptions {
  kills: number;
  /** Mails in the JMAP Mail account (0: no mail account). */
  mails: number;
  /** Messages in the Matrix room before the first sign-in (0: no Matrix account). */
  matrixHistory: number;
  /** Keep the web UI open in Chromium. */
  web: boolean;
  /** Sends queued per sending account in each life. */
  sendsPerLife?: number;
  /** A kill comes at a random moment up to this long after the life's profile is open. */
  maxLifeMs?: number;
  /** How long the last life may take to get everything (the big mailbox, the history). */
  finalTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SideSummary {
  serverMessages: number;
  stored: number;
  sendsQueued: number;
  sendsDelivered: number;
  [detail: string]: number;
}

export interface SoakSummary {
  kills: number;
  accounts: Partial<Record<Protocol, SideSummary>>;
  integrityChecks: number;
  /** Kills that came before the first life had made its profile (nothing to check then). */
  killedBeforeProfile: number;
  /** Restarts after which the page was seen to reconnect and show the chat list (every other life must; the others may be killed first). */
  pageReconnects: number;
  /** Kills the page was seen to notice (its "connection lost" banner). */
  pageNoticedKills: number;
  seconds: number;
}

interface Life {
  queued: string[];
  /** Resolves when the child prints `line` (rejects if it exits first). */
  printed(line: string): Promise<void>;
  /** Kills the child (SIGKILL) and resolves once it is gone. */
  kill(): Promise<void>;
}

function live(config: ChildConfig): Life {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const queued: string[] = [];
  const seen = new Set<string>();
  const waiters = new Map<string, (() => void)[]>();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('queued ')) queued.push(line.slice('queued '.length));
      seen.add(line);
      for (const w of waiters.get(line) ?? []) w();
      waiters.delete(line);
    }
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? resolve()
        : reject(new Error(`the app exited on its own (${code}): ${stderr.slice(-2000)}`)),
    ),
  );
  exited.catch(() => undefined);
  return {
    queued,
    printed: (line) =>
      seen.has(line)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((r) => waiters.set(line, [...(waiters.get(line) ?? []), r])),
            exited.then(() => {
              throw new Error(`killed before "${line}"`);
            }),
          ]),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface StoredRow {
  remote_id: string | null;
  body: string;
  kind: string;
  protocol: Protocol;
}

/** What the profile holds, read while no life runs (or beside one: WAL readers). */
function stored(profile: string): {
  rows: StoredRow[];
  outbox: { body: string; state: string; protocol: Protocol }[];
  chats: number;
  integrity: string;
} {
  let db: Database.Database;
  try {
    db = new Database(join(profile, 'parley.db'), { fileMustExist: true, timeout: 10_000 });
  } catch (err) {
    throw new Error(`cannot open the profile (${readdirSync(profile).join(', ')}): ${String(err)}`);
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    // Local echoes too (no remote id yet): an echo beside the server's copy is a duplicate.
    const rows = db
      .prepare(
        `SELECT m.remote_id, m.body, m.kind, a.protocol FROM messages m
           JOIN chats c ON c.id = m.chat_id JOIN accounts a ON a.id = c.account_id`,
      )
      .all() as StoredRow[];
    const outbox = (
      db
        .prepare(
          `SELECT o.payload_json, o.state, a.protocol FROM outbox o JOIN accounts a ON a.id = o.account_id`,
        )
        .all() as { payload_json: string; state: string; protocol: Protocol }[]
    ).map((o) => ({
      body: String((JSON.parse(o.payload_json) as { body?: string }).body ?? ''),
      state: o.state,
      protocol: o.protocol,
    }));
    const chats = (db.prepare(`SELECT count(*) FROM chats`).pluck().get() as number) ?? 0;
    return { rows, outbox, chats, integrity };
  } finally {
    db.close();
  }
}

const profileMade = (profile: string) => existsSync(join(profile, 'parley.db'));

export async function soak(o: SoakOptions): Promise<SoakSummary> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const sendsPerLife = o.sendsPerLife ?? 3;
  const maxLifeMs = o.maxLifeMs ?? 4000;
  const sides: SoakSide[] = [];
  let page: SoakPage | null = null;
  const { dir: profile, cleanup } = tempDir('parley-soak-');
  try {
    log('starting the servers…');
    sides.push(await jmapChatSide());
    if (o.matrixHistory > 0) sides.push(await matrixSide(o.matrixHistory));
    if (o.mails > 0) sides.push(await jmapMailSide(o.mails, log));
    if (o.web) page = await soakPage(log);
    const queued: string[] = [];
    let checks = 0;
    let killedBeforeProfile = 0;

    const check = async (final: boolean) => {
      if (!profileMade(profile)) {
        killedBeforeProfile++; // killed while the first life was still starting (slow under load)
        return;
      }
      const s = stored(profile);
      assert.equal(s.integrity, 'ok', 'integrity_check');
      checks++;
      for (const side of sides) {
        const { protocol } = side.account;
        const server = await side.serverMessages();
        const mine = s.rows.filter((r) => r.protocol === protocol);
        const ids = mine.flatMap((r) =>
          r.remote_id !== null && side.counts(r) ? [r.remote_id] : [],
        );
        assert.equal(new Set(ids).size, ids.length, `${protocol}: no message stored twice`);
        for (const id of ids)
          assert.ok(server.has(id), `${protocol}: stored message ${id} is on the server`);
        const sends = mine.map((r) => r.body).filter((b) => SOAK_SEND.test(b));
        assert.equal(
          new Set(sends).size,
          sends.length,
          `${protocol}: no send stored twice (echo and copy)`,
        );
        const delivered = [...server.values()].filter((b) => SOAK_SEND.test(b));
        assert.equal(
          new Set(delivered).size,
          delivered.length,
          `${protocol}: no send delivered twice`,
        );
        if (!final) continue;
        assert.deepEqual(
          [...ids].sort(),
          [...server.keys()].sort(),
          `${protocol}: every server message stored exactly once`,
        );
        const outbox = s.outbox.filter((e) => e.protocol === protocol);
        const everQueued = new Set([
          ...queued.filter((b) => b.startsWith(`soak send ${protocol} `)),
          ...outbox.map((e) => e.body),
        ]);
        for (const body of everQueued)
          assert.ok(delivered.includes(body), `${protocol}: queued send "${body}" delivered`);
        assert.ok(
          outbox.every((e) => e.state === 'sent'),
          `${protocol}: nothing left in the outbox`,
        );
      }
    };

    const accounts = sides.map((s) => s.account);
    const config = (life: number, sends: number): ChildConfig => ({
      profile,
      life,
      sends,
      accounts,
      web: page && { port: page.port, token: page.token, rendererDir: page.rendererDir },
    });
    let pageReconnects = 0;
    let pageNoticedKills = 0;
    let rowsShown = 0;
    /** After a restart: the page (opened on the first web host) reconnects and shows the chat list. */
    const pageComesBack = async (life: Life, givenUp?: () => boolean) => {
      if (!page) return;
      await life.printed('web');
      if (!page.opened) await page.open();
      rowsShown = await page.showsChatList(rowsShown, 60_000, givenUp);
      pageReconnects++;
    };

    for (let k = 0; k < o.kills; k++) {
      const life = live(config(k, sendsPerLife));
      const writing = Promise.all(sides.map((s) => s.write()));
      // Half the lives prove the page reconnects before their kill comes; the
      // others are killed at any moment (starting, signing in, syncing,
      // sending), and count a reconnection only when it beat the kill.
      let killed = false;
      let watching: Promise<void> = Promise.resolve();
      if (page && k % 2 === 1) await pageComesBack(life);
      else {
        if (page?.opened) watching = pageComesBack(life, () => killed).catch(() => undefined);
        await life.printed('up').catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, Math.random() * maxLifeMs));
      killed = true;
      await life.kill();
      await watching;
      await writing;
      queued.push(...life.queued);
      if (page?.opened) {
        await page.noticesLoss(30_000);
        pageNoticedKills++;
      }
      await check(false);
      log(`kill ${k + 1}/${o.kills}: ${life.queued.length} sends queued in that life`);
    }

    // One last life that runs until it has everything, then the final check.
    const last = live(config(o.kills, 0));
    await pageComesBack(last);
    await waitFor(
      'the last life is up to date',
      async () => {
        if (!profileMade(profile)) return false;
        const s = stored(profile);
        if (!s.outbox.every((e) => e.state === 'sent')) return false;
        for (const side of sides) {
          const server = await side.serverMessages();
          const mine = s.rows.filter(
            (r) => r.protocol === side.account.protocol && r.remote_id !== null && side.counts(r),
          );
          if (mine.length < server.size) return false;
        }
        return true;
      },
      o.finalTimeoutMs ?? 600_000,
    );
    if (page) {
      // The page shows the accounts' chats (the Matrix room among them).
      const s = stored(profile);
      await page.showsChatList(Math.min(s.chats, 1), 60_000);
      if (o.matrixHistory > 0)
        await waitFor('the page lists the Matrix room', async () =>
          (await page!.chatListText()).includes('Soak room'),
        );
    }
    await last.kill();
    await check(true);
    const s = stored(profile);
    const summaries: SoakSummary['accounts'] = {};
    for (const side of sides) {
      const { protocol } = side.account;
      const server = await side.serverMessages();
      summaries[protocol] = {
        serverMessages: server.size,
        stored: s.rows.filter(
          (r) => r.protocol === protocol && r.remote_id !== null && side.counts(r),
        ).length,
        sendsQueued: new Set([
          ...queued.filter((b) => b.startsWith(`soak send ${protocol} `)),
          ...s.outbox.filter((e) => e.protocol === protocol).map((e) => e.body),
        ]).size,
        sendsDelivered: [...server.values()].filter((b) => SOAK_SEND.test(b)).length,
        ...side.describe(),
      };
    }
    return {
      kills: o.kills,
      accounts: summaries,
      integrityChecks: checks,
      killedBeforeProfile,
      pageReconnects,
      pageNoticedKills,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await page?.close();
    for (const side of sides) await side.close().catch(() => undefined);
    cleanup();
  }
}
