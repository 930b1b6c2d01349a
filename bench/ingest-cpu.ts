// `npm run bench:ingest-cpu [-- --messages N]`: ingest measured in CPU time,
// which a machine shared with other work does not inflate (`npm run bench`
// times the same calls by the wall clock: on 2 cores at a load of 15 that is
// mostly the scheduler's). One thread, the same profile and batches as
// `npm run bench`, the same raw loop (bench/rawBaseline.ts), the two sides
// alternating batch by batch; then the substring index's catch-up, which is
// what "everything searchable" costs beyond the store's own ingest.
//
// Last line: JSON with each side's CPU seconds and the ratios
// `ingest_ratio_vs_raw` (the store's ingest alone) and
// `ingest_with_substring_index_ratio_vs_raw` (plus the substring vocabulary's catch-up), and
// what the substring index alone costs against the raw loop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../main/daemon/store/store.js';
import { VocabularyIndexer } from '../main/daemon/store/search/vocabularyIndexer.js';
import { loadCorpus } from './corpus.js';
import { buildPlan, deliveries } from './plan.js';
import { RawBaseline, type RawContext } from './rawBaseline.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** CPU time of this process so far, ms (every thread; the work here runs on one). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function parseArgs(argv: string[]): { messages: number; chats: number; seed: number } {
  const o = { messages: 100_000, chats: 2000, seed: 20240601 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive number`);
    if (a === '--messages') o.messages = v;
    else if (a === '--chats') o.chats = v;
    else if (a === '--seed') o.seed = v;
    else throw new Error(`unknown option ${a} (--messages N, --chats N, --seed N)`);
  }
  return o;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const root = mkdtempSync(join(tmpdir(), 'parley-ingest-cpu-'));
  try {
    progress(`parley ingest CPU bench: ${o.messages} messages, ${o.chats} chats; ${root}`);
    const plan = buildPlan(loadCorpus(), {
      messages: o.messages,
      chats: o.chats,
      seed: o.seed,
      batchSize: 1000,
      backfillShare: 0.15,
    });
    const store = Store.open(join(root, 'profile'));
    const raw = new RawBaseline(join(root, 'raw.db'));
    const accountIds = plan.world.accounts.map(
      (a) =>
        store.accounts.add({
          protocol: a.protocol,
          server: a.server,
          username: a.username,
          label: a.label,
          workspace: a.workspace,
        }).id,
    );
    const contexts: RawContext[] = [];
    let parleyMs = 0;
    let rawMs = 0;
    let batches = 0;
    let done = 0;
    for (const d of deliveries(plan)) {
      const accountId = accountIds[d.account]!;
      if (d.phase === 'setup') {
        store.writer.apply(accountId, d.batch);
        const people = d.batch.people ?? [];
        contexts[d.account] = {
          accountId,
          chatIds: new Map(
            (
              store.db
                .prepare(`SELECT remote_id, id FROM chats WHERE account_id = ?`)
                .all(accountId) as { remote_id: string; id: number }[]
            ).map((r) => [r.remote_id, r.id]),
          ),
          names: new Map(people.map((p) => [p.remoteId, p.displayName] as [string, string])),
          selfIds: new Set(people.filter((p) => p.isSelf).map((p) => p.remoteId)),
        };
        continue;
      }
      const runRaw = () => {
        const t0 = cpuMs();
        raw.insertBatch(contexts[d.account]!, d.batch.messages!);
        rawMs += cpuMs() - t0;
      };
      // Alternate which side goes first, so neither always meets a warm cache.
      if (batches % 2 === 1) runRaw();
      const t0 = cpuMs();
      store.writer.apply(accountId, d.batch);
      parleyMs += cpuMs() - t0;
      if (batches % 2 === 0) runRaw();
      batches++;
      done += d.messages;
      if (batches % 100 === 0) progress(`  ${done}/${plan.n}`);
    }
    progress('substring index catch-up');
    const t0 = cpuMs();
    new VocabularyIndexer(store.db).drainAll();
    const substringMs = cpuMs() - t0;
    raw.close();
    store.close();

    const result = {
      messages: done,
      parley_ingest_cpu_s: round(parleyMs / 1000, 2),
      substring_catchup_cpu_s: round(substringMs / 1000, 2),
      raw_cpu_s: round(rawMs / 1000, 2),
      ingest_ratio_vs_raw: round(rawMs / parleyMs),
      ingest_with_substring_index_ratio_vs_raw: round(rawMs / (parleyMs + substringMs)),
      substring_index_share_of_raw: round(substringMs / rawMs),
    };
    process.stdout.write(
      [
        `ingest CPU time, ${done} messages (one thread; raw loop in the same run)`,
        `store ingest            ${result.parley_ingest_cpu_s} s  (${result.ingest_ratio_vs_raw}× the raw loop's speed)`,
        `+ substring catch-up    ${result.substring_catchup_cpu_s} s  (${result.ingest_with_substring_index_ratio_vs_raw}×; target >= 1.0)`,
        `raw loop                ${result.raw_cpu_s} s`,
        '',
      ].join('\n'),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
