// One fuzz case: a connector syncs through the real account loop and store
// while `fetch` answers from its recorded transcript with the case's
// mutations. What must hold after every case:
//   - no uncaught exception or unhandled rejection;
//   - the sync ends, or fails with one of the engine's typed errors whose
//     reason is one line;
//   - the store is sound (integrity_check, foreign keys), no message stored
//     before the case is lost, and when the input was refused every message
//     stored before is as it was (or as the clean sync would have left it);
//   - the account loop is alive: the same connector syncs the clean answers
//     (the server healed) afterwards without an error.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import { AccountLoop } from '../../main/daemon/sync/accountLoop.js';
import { silentObserver } from '../../main/daemon/sync/observer.js';
import type { Connector } from '../../main/daemon/connectors/connector.js';
import {
  AuthError,
  PermanentError,
  ProtocolError,
  RateLimitedError,
} from '../../main/daemon/connectors/errors.js';
import { TransientHttpError } from '../../main/daemon/connectors/http/index.js';
import type { Account } from '../../main/daemon/model/types.js';
import {
  allExchanges,
  REPLAY_EXHAUSTED,
  replayFetch,
  type Exchange,
  type Transcript,
} from './transcript.js';
import { mutateExchanges, type CaseMutation } from './mutations.js';
import { transcriptPath, type FuzzTarget } from './targets.js';

const TYPED = [ProtocolError, PermanentError, TransientHttpError, RateLimitedError, AuthError];

export interface CaseOutcome {
  refused: boolean;
  /** The typed error's name, when refused. */
  kind?: string;
}

type Rows = Map<string, string>;

/** A store prepared once per connector: empty, and after a clean first sync. */
export interface Prepared {
  target: FuzzTarget;
  transcript: Transcript;
  dir: string;
  /** Profile files of the two starting points (copied for each case). */
  empty: string;
  synced: string;
  /** Messages after the clean first sync, and after the clean catch-up that follows it. */
  afterInitial: Rows;
  afterCatchUp: Rows;
  cleanup(): void;
}

/** Runs one sync (once: initial and catch-up, then backfill) against the exchanges. */
async function syncWith(
  connector: Connector,
  store: Store,
  account: Account,
  secret: string,
  exchanges: readonly Exchange[],
  others: readonly Exchange[],
  removedChats: Set<string> = new Set(),
  taken: Set<string> = new Set(),
): Promise<void> {
  const replay = replayFetch(exchanges, others);
  // Chats the server took away during the sync (even if one came back later),
  // and the messages of every batch the store took: the loop asks for the
  // next batch only once the last one is committed. One answer can make
  // several batches (JMAP Chat's catch-up: one per type), and a part of it
  // refused later does not undo what an earlier part delivered.
  const watched: Connector = Object.create(connector) as Connector;
  for (const phase of ['sync', 'backfill'] as const) {
    const run = connector[phase]?.bind(connector);
    if (run)
      watched[phase] = async function* (ctx) {
        for await (const batch of run(ctx)) {
          for (const c of batch.removedChats ?? []) removedChats.add(c);
          yield batch;
          for (const m of batch.messages ?? []) taken.add(m.remoteId);
        }
      };
  }
  try {
    await new AccountLoop(account, watched, store, secret, silentObserver, {
      once: true,
      maxAttempts: 1,
    }).start();
  } finally {
    replay.restore();
  }
}

/** Every message of the profile by remote id, as a comparable line. */
function messageRows(store: Store): Rows {
  const rows = store.db
    .prepare(
      `SELECT m.remote_id, c.remote_id AS chat, m.sender_remote_id, m.ts, m.kind, m.subject, m.body,
              m.html, m.reply_to_remote_id, m.thread_root_remote_id, m.edited_ts, m.deleted,
              m.has_attachment, m.mentions_self, m.from_self
         FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.remote_id IS NOT NULL`,
    )
    .all() as { remote_id: string }[];
  return new Map(rows.map((r) => [r.remote_id, JSON.stringify(r)]));
}

function profileFile(dir: string): string {
  return join(dir, 'parley.db');
}

function openCopy(from: string): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-fuzz-case-'));
  copyFileSync(from, profileFile(dir));
  return { store: Store.open(dir), dir };
}

export async function prepare(target: FuzzTarget): Promise<Prepared> {
  const transcript = JSON.parse(
    readFileSync(transcriptPath(target.protocol), 'utf8'),
  ) as Transcript;
  const dir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
  const emptyDir = join(dir, 'empty');
  const syncedDir = join(dir, 'synced');
  const everything = allExchanges(transcript);
  const make = async (at: string, phases: Exchange[][]): Promise<Rows> => {
    const store = Store.open(at);
    const account = store.accounts.add({
      protocol: target.protocol,
      server: transcript.server,
      username: transcript.username,
    });
    const connector = target.create();
    for (const exchanges of phases)
      await syncWith(connector, store, account, transcript.secret, exchanges, everything);
    const rows = messageRows(store);
    // One file, no WAL beside it: each case copies it.
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    return rows;
  };
  await make(emptyDir, []);
  const afterInitial = await make(syncedDir, [transcript.initial]);
  assert.ok(afterInitial.size > 0, `${target.protocol}: the clean first sync stores messages`);
  const probe = join(dir, 'probe');
  const afterCatchUp = await make(probe, [transcript.initial, transcript.catchUp]);
  assert.ok(
    afterCatchUp.size > afterInitial.size,
    `${target.protocol}: the clean catch-up stores new messages`,
  );
  return {
    target,
    transcript,
    dir,
    empty: profileFile(emptyDir),
    synced: profileFile(syncedDir),
    afterInitial,
    afterCatchUp,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one case and asserts its properties; returns what happened for the summary. */
export async function runCase(p: Prepared, m: CaseMutation): Promise<CaseOutcome> {
  const fresh = m.phase === 'initial';
  const clean = fresh ? p.transcript.initial : p.transcript.catchUp;
  const before: Rows = fresh ? new Map() : p.afterInitial;
  const cleanAfter: Rows = fresh ? p.afterInitial : p.afterCatchUp;
  const everything = allExchanges(p.transcript);
  const { store, dir } = openCopy(fresh ? p.empty : p.synced);
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    const account = store.accounts.list()[0]!;
    const connector = p.target.create();
    const mutated = mutateExchanges(clean, m);
    let outcome: CaseOutcome = { refused: false };
    const removedChats = new Set<string>();
    const taken = new Set<string>();
    try {
      await syncWith(
        connector,
        store,
        account,
        p.transcript.secret,
        mutated,
        everything,
        removedChats,
        taken,
      );
    } catch (err) {
      assert.ok(
        TYPED.some((T) => err instanceof T),
        `the sync failed with an untyped error: ${(err as Error)?.stack ?? String(err)}`,
      );
      const message = (err as Error).message;
      assert.ok(!/[\r\n]/.test(message), `the reason is one line: ${JSON.stringify(message)}`);
      assert.ok(
        message.length <= 500,
        `the reason is short (${(err as Error).name}, ${message.length} characters: ${message.slice(0, 160)}…)`,
      );
      outcome = { refused: true, kind: (err as Error).name };
    }
    // Let stray promises settle, so their rejections are seen here.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(uncaught.map(String), [], 'no uncaught exception');

    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(store.db.pragma('foreign_key_check'), []);
    const after = messageRows(store);
    // By remote id: a chat removed and another added may reuse the local id.
    const chats = new Set(
      store.db.prepare(`SELECT remote_id FROM chats`).pluck().all() as string[],
    );
    for (const [id, row] of before) {
      const now = after.get(id);
      // A server may take a chat away (we left, or it is gone): its messages go
      // with it. An answer taken before the one refused may have done so.
      const chat = (JSON.parse(row) as { chat: string }).chat;
      const chatGone = !chats.has(chat) || removedChats.has(chat);
      assert.ok(
        now !== undefined || chatGone,
        `message ${id} stored before the case is still there`,
      );
      if (outcome.refused && now !== undefined && !taken.has(id))
        assert.ok(
          now === row || now === cleanAfter.get(id),
          `a refused answer changed message ${id}: ${now}`,
        );
    }

    // The server heals: the same connector (its cached session included)
    // syncs the clean answers without an error.
    try {
      await syncWith(connector, store, account, p.transcript.secret, clean, everything);
      assert.equal(store.accounts.get(account.id)?.status, 'active', 'the account is active again');
    } catch (err) {
      // A chat the mutated answers took away comes back and is synced afresh:
      // the transcript has no pages for that, and the replay runs dry.
      if (!(err as Error).message.includes(REPLAY_EXHAUSTED)) throw err;
    }
    return outcome;
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
