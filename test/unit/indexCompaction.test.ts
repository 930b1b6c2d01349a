// The word index is merged into one segment while the daemon is quiet
// (search/indexCompactor.ts, quietCompaction.ts). What a user would notice if
// it went wrong: a message no longer found, or a merge that competes with a
// sync. So: the same hits before and after, across word, prefix, phrase,
// substring, CJK, in: and has: searches; and a merge that yields to writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexCompactor } from '../../main/daemon/store/search/indexCompactor.js';
import { QuietCompaction, type Timers } from '../../main/daemon/store/search/quietCompaction.js';
import { VocabularyIndexer } from '../../main/daemon/store/search/vocabularyIndexer.js';
import { searchMessages } from '../../main/daemon/store/search/messageSearch.js';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import {
  addAccount,
  chatBatch,
  memorySecrets,
  message,
  tempDir,
  tempStore,
} from '../helpers/fixtures.js';

const WORDS = ['merge', 'rebase', 'kernel', 'packfile', 'café', 'zürich', '数据库', 'ticket'];

test('merging the word index keeps every search finding the same messages', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    // One batch per sync turn, as a first sync writes them: each leaves a segment.
    for (let batch = 0; batch < 60; batch++) {
      const msgs = Array.from({ length: 20 }, (_, i) => {
        const n = batch * 20 + i;
        const body = `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} note ${n}`;
        return message(`!room${batch % 3}`, `$${n}`, 1_000 + n, body, {
          ...(n % 9 === 0
            ? { attachments: [{ remoteId: `a${n}`, name: 'f.txt', mime: 'text/plain', size: 1 }] }
            : {}),
        });
      });
      store.writer.apply(account.id, chatBatch(`!room${batch % 3}`, `Room ${batch % 3}`, msgs));
    }
    new VocabularyIndexer(store.db).drain(10_000);
    const compactor = new IndexCompactor(store.db);
    const before = compactor.segments();
    assert.ok(before >= 4, `a fragmented index (${before} segments)`);
    assert.equal(compactor.needed(), true);

    const queries = [
      'merge',
      'kern',
      'packfile zurich',
      '"note 1"',
      '*ase',
      '*ick',
      'cafe',
      'zurich',
      '数据库',
      'in:"room 1" ticket',
      'has:attachment merge',
      '-merge note',
    ];
    const hits = () =>
      queries.map((q) => searchMessages(store.db, q, { limit: 500 }).map((h) => h.messageId));
    const found = hits();
    for (const [i, ids] of found.entries())
      assert.ok(ids.length > 0, `${queries[i]} finds something`);

    let slices = 0;
    while (compactor.step(5)) slices++;
    assert.ok(slices > 1, 'the merge ran in several slices');
    assert.equal(compactor.segments(), 1);
    assert.equal(compactor.needed(), false);
    assert.deepEqual(hits(), found);
    assert.equal(compactor.step(), false, 'nothing left to merge');

    // New messages after the merge are found with the old ones; a few live
    // batches leave small segments that do not call for rewriting the index.
    for (let live = 0; live < 20; live++)
      store.writer.apply(
        account.id,
        chatBatch('!room0', 'Room 0', [
          message('!room0', `$live${live}`, 9_000 + live, 'merge later'),
        ]),
      );
    assert.equal(searchMessages(store.db, 'merge', { limit: 500 }).length, found[0]!.length + 20);
    assert.ok(compactor.segments() > 1);
    assert.equal(compactor.needed(), false, 'small live segments beside a merged index');
  } finally {
    cleanup();
  }
});

/** A compactor of our own that counts slices (the real one is tested above). */
function countingCompactor(slicesNeeded: number, onSlice: (n: number) => void = () => {}) {
  let done = 0;
  return {
    get done() {
      return done;
    },
    segments: () => (done >= slicesNeeded ? 1 : 9),
    needed: () => done < slicesNeeded,
    step: () => {
      done++;
      onSlice(done);
      return done < slicesNeeded;
    },
  };
}

/** A clock and timers the test moves by hand. */
function manualTime() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const soon: (() => void)[] = [];
  return {
    now: () => now,
    timers: {
      after(ms: number, fn: () => void) {
        const t = { at: now + ms, fn };
        timers.push(t);
        return () => {
          timers = timers.filter((x) => x !== t);
        };
      },
      soon(fn: () => void) {
        soon.push(fn);
      },
    } satisfies Timers,
    /** Moves the clock, running what falls due and everything it queues "soon". */
    advance(ms: number) {
      now += ms;
      for (;;) {
        const due = timers.find((t) => t.at <= now);
        if (due) {
          timers = timers.filter((t) => t !== due);
          due.fn();
          continue;
        }
        const next = soon.shift();
        if (!next) break;
        next();
      }
    },
  };
}

test('the merge waits for a quiet daemon and yields to a write, then finishes', () => {
  const time = manualTime();
  const logs: string[] = [];
  let quiet: QuietCompaction | null = null;
  const compactor = countingCompactor(6, (n) => {
    if (n === 2) quiet!.wrote(); // a sync batch lands during the merge
  });
  quiet = new QuietCompaction(compactor as unknown as IndexCompactor, {
    quietMs: 1_000,
    failed: () => false,
    log: (line) => logs.push(line),
    now: time.now,
    timers: time.timers,
  });
  quiet.wrote();
  quiet.idle();
  time.advance(999);
  assert.equal(compactor.done, 0, 'nothing while messages were written moments ago');
  time.advance(1);
  assert.equal(compactor.done, 2, 'started once quiet, stopped after the write');
  time.advance(999);
  assert.equal(compactor.done, 2, 'waits out a whole quiet period again');
  time.advance(1);
  assert.equal(compactor.done, 6, 'resumed and finished');
  assert.match(logs.join('\n'), /word index merged: 9 segments into one/);
  quiet.idle();
  time.advance(5_000);
  assert.equal(compactor.done, 6, 'an index already merged is left alone');
  quiet.close();
});

test('a failed slice is tried again a quiet period later, only while the daemon says so', () => {
  const time = manualTime();
  let calls = 0;
  const failing = {
    segments: () => 9,
    needed: () => true,
    step: () => {
      calls++;
      throw new Error('disk full');
    },
  };
  const quiet = new QuietCompaction(failing as unknown as IndexCompactor, {
    quietMs: 100,
    failed: () => calls < 3,
    log: () => {},
    now: time.now,
    timers: time.timers,
  });
  quiet.idle();
  time.advance(100);
  assert.equal(calls, 1);
  time.advance(99);
  assert.equal(calls, 1, 'no retry before a quiet period has passed');
  time.advance(1);
  time.advance(100);
  assert.equal(calls, 3, 'retried while asked to');
  time.advance(1_000);
  assert.equal(calls, 3, 'then stopped');
  quiet.close();
});

test('closing stops a merge that is waiting', () => {
  const time = manualTime();
  const compactor = countingCompactor(3);
  const quiet = new QuietCompaction(compactor as unknown as IndexCompactor, {
    quietMs: 100,
    failed: () => false,
    log: () => {},
    now: time.now,
    timers: time.timers,
  });
  quiet.idle();
  quiet.close();
  time.advance(1_000);
  assert.equal(compactor.done, 0);
});

test('the daemon merges its word index once its backlogs are done and it has been quiet', async () => {
  const { dir, cleanup } = tempDir();
  const logs: string[] = [];
  const daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    connectors: new ConnectorRegistry(),
    indexCompaction: { quietMs: 0 },
    log: (line) => logs.push(line),
  });
  try {
    const account = addAccount(daemon.store);
    for (let batch = 0; batch < 12; batch++)
      daemon.store.writer.apply(
        account.id,
        chatBatch('!r', 'Room', [message('!r', `$${batch}`, 1_000 + batch, `merge ${batch}`)]),
      );
    const compactor = new IndexCompactor(daemon.store.db);
    assert.ok(compactor.segments() >= 2);
    daemon.scheduleIndexing();
    // Background work runs between turns of the event loop: let it (bounded, not timed).
    const merged = () => logs.some((line) => /word index merged/.test(line));
    for (let turn = 0; turn < 1_000 && !merged(); turn++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(compactor.segments(), 1);
    assert.match(logs.join('\n'), /word index merged/);
    assert.equal(searchMessages(daemon.store.db, 'merge', { limit: 50 }).length, 12);
  } finally {
    await daemon.close();
    cleanup();
  }
});
