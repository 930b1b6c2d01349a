// A child ingests batches and is SIGKILLed at random moments. After each kill
// the profile reopens cleanly, every batch is wholly present or wholly absent,
// and the cursor names exactly the last complete batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store } from '../../main/daemon/store/store.js';
import { tempDir } from '../helpers/fixtures.js';

const CHILD = fileURLToPath(new URL('../helpers/crashIngestChild.ts', import.meta.url));
const PER_BATCH = 200;
const RUNS = 24;

function runAndKill(dir: string, afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), afterMs));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited on its own (${code}): ${stderr}`));
    });
  });
}

test(
  `ingest survives ${RUNS} SIGKILLs with whole batches and matching cursors`,
  { timeout: 240_000 },
  async () => {
    const { dir, cleanup } = tempDir();
    try {
      let previousCursor = 0;
      let advanced = 0;
      for (let run = 0; run < RUNS; run++) {
        // Random moments, biased to land inside a transaction once ingest is running.
        await runAndKill(dir, 20 + Math.floor(Math.random() * 400));
        const store = Store.open(dir);
        try {
          assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
          const account = store.accounts.list()[0];
          if (!account) continue; // killed before the first commit
          const cursor = Number(store.writer.cursor(account.id, 'sync') ?? '0');
          assert.ok(cursor >= previousCursor, 'the cursor never goes back');
          if (cursor > previousCursor) advanced++;
          previousCursor = cursor;
          const perBatch = new Map(
            (
              store.db
                .prepare(
                  `SELECT CAST(substr(remote_id, 2, instr(remote_id, '-') - 2) AS INTEGER) AS batch, count(*) AS n
                      FROM messages GROUP BY batch`,
                )
                .all() as { batch: number; n: number }[]
            ).map((r) => [r.batch, r.n]),
          );
          for (let i = 1; i <= cursor; i++)
            assert.equal(perBatch.get(i), PER_BATCH, `batch ${i} is complete`);
          for (const [batch] of perBatch)
            assert.ok(batch <= cursor, `batch ${batch} beyond cursor ${cursor} is absent`);
          const total = store.db.prepare(`SELECT count(*) FROM messages`).pluck().get();
          assert.equal(total, cursor * PER_BATCH);
          const indexed = store.db
            .prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'crashword'`)
            .pluck()
            .get();
          assert.equal(indexed, total, 'the search index matches the messages');
          const chat = store.read.chats()[0]!;
          assert.equal(chat.unreadCount, total, 'denormalized counts match the data');
        } finally {
          store.close();
        }
      }
      assert.ok(advanced >= RUNS / 2, `ingest made progress in most runs (${advanced}/${RUNS})`);
    } finally {
      cleanup();
    }
  },
);
