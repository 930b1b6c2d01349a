// The crash soak: the app is SIGKILLed at random moments while it syncs a
// JMAP Chat account live (another user keeps writing) and its outbox sends.
// After every kill the profile must open with integrity_check ok, hold no
// message twice and nothing the server does not have; at the end, after one
// last life that runs until it is idle, every message on the server is stored
// exactly once and every queued send reached the server exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { tempDir, waitFor } from '../helpers/fixtures.js';

const CHILD = fileURLToPath(new URL('./soakChild.ts', import.meta.url));

export interface SoakSummary {
  kills: number;
  serverMessages: number;
  sendsQueued: number;
  sendsDelivered: number;
  integrityChecks: number;
  /** Kills that came before the first life had made its profile (nothing to check then). */
  killedBeforeProfile: number;
  seconds: number;
}

interface Life {
  queued: string[];
  /** Kills the child (SIGKILL) and resolves once it is gone. */
  kill(): Promise<void>;
  ready: Promise<void>;
}

function live(profile: string, server: string, life: number, sends: number): Life {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, profile, server, String(life), String(sends)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const queued: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let markReady = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('queued ')) queued.push(line.slice('queued '.length));
      if (line === 'ready') markReady();
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
    ready,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** What the profile holds, read while no life runs (or beside one: WAL readers). */
function stored(profile: string): {
  ids: string[];
  bodies: string[];
  outbox: { body: string; state: string }[];
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
    const rows = db.prepare(`SELECT remote_id, body FROM messages`).all() as {
      remote_id: string | null;
      body: string;
    }[];
    const outbox = (
      db.prepare(`SELECT payload_json, state FROM outbox`).all() as {
        payload_json: string;
        state: string;
      }[]
    ).map((o) => ({
      body: String((JSON.parse(o.payload_json) as { body?: string }).body ?? ''),
      state: o.state,
    }));
    return {
      ids: rows.flatMap((r) => (r.remote_id === null ? [] : [r.remote_id])),
      bodies: rows.map((r) => r.body),
      outbox,
      integrity,
    };
  } finally {
    db.close();
  }
}

export async function soak(
  kills: number,
  log: (line: string) => void = () => {},
): Promise<SoakSummary> {
  const started = Date.now();
  const server: JmapChatServer = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
    messageRate: { max: 1_000_000, windowMs: 1000 },
  });
  const { dir: profile, cleanup } = tempDir('parley-soak-');
  const auth = `Basic ${Buffer.from('ann:ann-pw').toString('base64')}`;
  const ann = async (name: string, args: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/jmap/api/`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
        methodCalls: [[name, { accountId: 'ann', ...args }, '0']],
      }),
    });
    return ((await res.json()) as { methodResponses: [string, Record<string, unknown>][] })
      .methodResponses[0]![1];
  };
  const chat = await ann('Chat/set', { create: { c: { kind: 'direct', contactId: 'bo' } } });
  const chatId = (chat.created as Record<string, { id: string }>).c!.id;
  let said = 0;
  const annSays = async (n: number) => {
    for (let i = 0; i < n; i++)
      await ann('Message/set', {
        create: {
          m: {
            chatId,
            body: `ann says ${++said}`,
            bodyType: 'text/plain',
            sentAt: new Date().toISOString(),
          },
        },
      });
  };
  const onServer = () => [...server.store.messages.values()].filter((m) => m.chatId === chatId);
  const queued: string[] = [];
  let checks = 0;
  let killedBeforeProfile = 0;
  const check = (final: boolean) => {
    if (!existsSync(join(profile, 'parley.db'))) {
      killedBeforeProfile++; // killed while the first life was still starting (slow under load)
      return;
    }
    const s = stored(profile);
    assert.equal(s.integrity, 'ok', 'integrity_check');
    checks++;
    const server = new Map(onServer().map((m) => [m.id, m.body]));
    assert.equal(new Set(s.ids).size, s.ids.length, 'no message stored twice');
    for (const id of s.ids) assert.ok(server.has(id), `stored message ${id} is on the server`);
    const soakBodies = s.bodies.filter((b) => b.startsWith('soak send '));
    assert.equal(
      new Set(soakBodies).size,
      soakBodies.length,
      'no send stored twice (echo and copy)',
    );
    const serverBodies = [...server.values()].filter((b) => b.startsWith('soak send '));
    assert.equal(new Set(serverBodies).size, serverBodies.length, 'no send delivered twice');
    if (final) {
      assert.deepEqual(
        [...s.ids].sort(),
        [...server.keys()].sort(),
        'every server message stored exactly once',
      );
      const everQueued = new Set([...queued, ...s.outbox.map((o) => o.body)]);
      for (const body of everQueued)
        assert.ok(serverBodies.includes(body), `queued send "${body}" delivered`);
      assert.ok(
        s.outbox.every((o) => o.state === 'sent'),
        'nothing left in the outbox',
      );
    }
  };
  try {
    await annSays(5);
    for (let k = 0; k < kills; k++) {
      const life = live(profile, server.url, k, 3);
      const writer = annSays(3);
      // A random moment: while starting, signing in, syncing, queueing or sending.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 3700));
      await life.kill();
      await writer;
      queued.push(...life.queued);
      check(false);
      log(`kill ${k + 1}/${kills}: ${life.queued.length} sends queued in that life`);
    }
    // One last life that runs until it has everything, then the final check.
    const last = live(profile, server.url, kills, 0);
    await last.ready.catch(() => undefined);
    await waitFor(
      'the last life is up to date',
      () => {
        if (!existsSync(join(profile, 'parley.db'))) return false;
        const s = stored(profile);
        return s.ids.length === onServer().length && s.outbox.every((o) => o.state === 'sent');
      },
      60_000,
    );
    await last.kill();
    check(true);
    const serverBodies = onServer().filter((m) => m.body.startsWith('soak send '));
    return {
      kills,
      serverMessages: onServer().length,
      sendsQueued: new Set([...queued, ...stored(profile).outbox.map((o) => o.body)]).size,
      sendsDelivered: serverBodies.length,
      integrityChecks: checks,
      killedBeforeProfile,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await server.close();
    cleanup();
  }
}
