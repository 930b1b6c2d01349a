// The daemon's thread for the bench: builds the profile through the store's
// real ingest path (BatchWriter.apply), feeds the same batches to the raw
// baseline, then measures reads on the built profile.
import { IndexCompactor } from '../main/daemon/store/search/indexCompactor.js';
import { VocabularyIndexer } from '../main/daemon/store/search/vocabularyIndexer.js';
import { parentPort, workerData } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type * as MessageSearch from '../main/daemon/store/search/messageSearch.js';
import { Store } from '../main/daemon/store/store.js';
import { loadCorpus } from './corpus.js';
import { readThrough } from './readThrough.js';
import { buildPlan, deliveries, type Plan } from './plan.js';
import { RawBaseline, type RawContext } from './rawBaseline.js';
import {
  runChatList,
  runChatPages,
  runSearch,
  PAGE_WARMUPS,
  sampleChatPages,
  sampleSearch,
  summarizePages,
  summarizeSearch,
  type PageSamples,
  type SearchSamples,
} from './queries.js';
import { summarize } from './stats.js';
import { hash32 } from './prng.js';
import type {
  HostMessage,
  IngestStats,
  QueryStats,
  WorkerInput,
  WorkerMessage,
} from './protocol.js';

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const log = (line: string) => post({ type: 'log', line });

const fileBytes = (file: string): number => {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      // absent: no WAL
    }
  }
  return total;
};

function ingest(
  store: Store,
  raw: RawBaseline | null,
  plan: Plan,
  input: WorkerInput,
): IngestStats {
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
  const rawContexts: RawContext[] = [];
  const parleyBatch: number[] = [];
  const rawBatch: number[] = [];
  const s = {
    parleyInitialMs: 0,
    parleyBackfillMs: 0,
    rawInitialMs: 0,
    rawBackfillMs: 0,
    initialMessages: 0,
    backfillMessages: 0,
    setupMs: 0,
  };
  let done = 0;
  let batches = 0;
  const wall0 = performance.now();
  let lastLog = wall0;

  for (const d of deliveries(plan)) {
    const accountId = accountIds[d.account]!;
    if (d.phase === 'setup') {
      const t0 = performance.now();
      const result = store.writer.apply(accountId, d.batch);
      s.setupMs += performance.now() - t0;
      const chatIds = new Map(
        (
          store.db
            .prepare(`SELECT remote_id, id FROM chats WHERE account_id = ?`)
            .all(accountId) as { remote_id: string; id: number }[]
        ).map((r) => [r.remote_id, r.id]),
      );
      const names = new Map(
        (d.batch.people ?? []).map((p) => [p.remoteId, p.displayName] as [string, string]),
      );
      const selfIds = new Set(
        (d.batch.people ?? []).filter((p) => p.isSelf).map((p) => p.remoteId),
      );
      rawContexts[d.account] = { accountId, chatIds, names, selfIds };
      post({
        type: 'batch',
        phase: d.phase,
        done,
        total: plan.n,
        chatIds: result.chatIds,
        inserted: 0,
      });
      continue;
    }
    const messages = d.batch.messages!;
    // Alternate which side goes first, so neither always meets a warm cache.
    const runRaw = () => {
      if (!raw) return 0;
      const t0 = performance.now();
      raw.insertBatch(rawContexts[d.account]!, messages);
      return performance.now() - t0;
    };
    let rawMs = 0;
    if (batches % 2 === 1) rawMs = runRaw();
    const t0 = performance.now();
    const result = store.writer.apply(accountId, d.batch);
    const parleyMs = performance.now() - t0;
    if (batches % 2 === 0) rawMs = runRaw();
    batches++;
    parleyBatch.push(parleyMs);
    if (raw) rawBatch.push(rawMs);
    if (d.phase === 'initial') {
      s.parleyInitialMs += parleyMs;
      s.rawInitialMs += rawMs;
      s.initialMessages += d.messages;
    } else {
      s.parleyBackfillMs += parleyMs;
      s.rawBackfillMs += rawMs;
      s.backfillMessages += d.messages;
    }
    done += d.messages;
    post({
      type: 'batch',
      phase: d.phase,
      done,
      total: plan.n,
      chatIds: result.chatIds,
      inserted: result.insertedMessageIds.length,
    });
    const now = performance.now();
    if (now - lastLog > 5000) {
      lastLog = now;
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      log(
        `  ${d.phase} ${done}/${plan.n}  parley ${Math.round((done / sum(parleyBatch)) * 1000)} msg/s` +
          (raw ? `  raw ${Math.round((done / sum(rawBatch)) * 1000)} msg/s` : ''),
      );
    }
  }
  const wallMs = performance.now() - wall0;
  const parleyMs = s.parleyInitialMs + s.parleyBackfillMs;
  const rawMs = s.rawInitialMs + s.rawBackfillMs;
  return {
    messages: done,
    batches,
    parleyMs,
    rawMs,
    ...s,
    wallMs,
    parleyBatch: summarize(parleyBatch),
    rawBatch: summarize(rawBatch),
    parleyDbBytes: fileBytes(`${input.profileDir}/parley.db`),
    rawDbBytes: raw ? fileBytes(input.rawFile) : 0,
    chats: store.db.prepare(`SELECT count(*) FROM chats`).pluck().get() as number,
    harnessRssMb: 0,
    substringCatchupMs: 0,
    wordIndexSegments: 0,
    wordIndexMergeMs: 0,
  };
}

/** Local preferences a real user has: a few pinned and archived chats. */
function touchPreferences(store: Store, seed: number): void {
  const ids = store.db.prepare(`SELECT id FROM chats ORDER BY id`).pluck().all() as number[];
  for (const id of ids) {
    const h = hash32('prefs', seed, id) % 1000;
    if (h < 4) store.prefs.setFlags(id, { pinned: true });
    else if (h < 14) store.prefs.setFlags(id, { archived: true });
    else if (h < 40) store.prefs.setFlags(id, { muted: true });
  }
}

async function queries(store: Store, plan: Plan, input: WorkerInput): Promise<QueryStats> {
  const o = input.options;
  const wall0 = performance.now();
  let search: QueryStats['search'] = null;
  let searchUnavailable: string | undefined;
  try {
    const mod = await import('../main/daemon/store/search/messageSearch.js');
    log('search: running the query mix');
    search = runSearch(store, plan, mod.searchMessages, mod.explainSearch ?? null, {
      iterations: o.searchIterations,
      budgetMs: o.searchBudgetMs,
      explain: o.explain,
      log,
    });
  } catch (err) {
    searchUnavailable = (err as Error).message;
    log(`search: unavailable (${searchUnavailable})`);
  }
  log('chat pages');
  const pages = runChatPages(store, o.seed, o.pageSamples);
  log('chat list');
  const chatList = runChatList(store, o.seed, o.listSamples);
  return { search, searchUnavailable, pages, chatList, wallMs: performance.now() - wall0 };
}

/**
 * --scale: the same reads in rounds, each when the host asks, so that every
 * size is measured across the same stretch of time and a change in the
 * machine's load falls on all of them (a size measured ten minutes after
 * another met a different machine). Each round runs 1/rounds of the search
 * iterations and chat pages, after reading the database file through
 * (readThrough); the chat list, which writes, runs once at the end.
 */
async function queriesInRounds(
  store: Store,
  plan: Plan,
  input: WorkerInput,
  rounds: number,
): Promise<QueryStats> {
  const o = input.options;
  // The time this size spent on its own reads, not the rounds it waited for.
  let wallMs = 0;
  const searchRounds: SearchSamples[] = [];
  const pageRounds: PageSamples[] = [];
  // A search that fails (a build without the module, a query it throws on) is
  // reported as unavailable, as in a single run; the pages are still measured.
  let searchUnavailable: string | undefined;
  let mod: typeof MessageSearch | undefined;
  try {
    mod = await import('../main/daemon/store/search/messageSearch.js');
  } catch (err) {
    searchUnavailable = (err as Error).message;
    log(`search: unavailable (${searchUnavailable})`);
  }
  const searchRound = (round: number): void => {
    if (!mod || searchUnavailable !== undefined) return;
    try {
      searchRounds.push(
        sampleSearch(store, plan, mod.searchMessages, mod.explainSearch ?? null, {
          iterations: Math.ceil(o.searchIterations / rounds),
          budgetMs: o.searchBudgetMs / rounds,
          explain: o.explain && round === 0, // once: the plans do not change
          log,
        }),
      );
    } catch (err) {
      searchUnavailable = (err as Error).message;
      log(`search: unavailable (${searchUnavailable})`);
    }
  };
  await new Promise<void>((resolve) => {
    const onMessage = (m: HostMessage) => {
      if (m.type === 'finish') {
        port.off('message', onMessage);
        resolve();
        return;
      }
      readThrough(join(input.profileDir, 'parley.db'));
      const t0 = performance.now();
      searchRound(m.round);
      pageRounds.push(
        sampleChatPages(
          store,
          o.seed,
          Math.ceil(o.pageSamples / rounds),
          m.round,
          Math.ceil(PAGE_WARMUPS / rounds),
        ),
      );
      wallMs += performance.now() - t0;
      post({ type: 'round-done', round: m.round });
    };
    port.on('message', onMessage);
  });
  const search = searchUnavailable === undefined ? summarizeSearch(searchRounds, log) : null;
  if (search) log(`search: ${rounds} rounds pooled`);
  log('chat list');
  const t0 = performance.now();
  const chatList = runChatList(store, o.seed, o.listSamples);
  wallMs += performance.now() - t0;
  return { search, searchUnavailable, pages: summarizePages(pageRounds), chatList, wallMs };
}

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  const o = input.options;
  log(`loading corpus`);
  const corpus = loadCorpus();
  const plan = buildPlan(corpus, {
    messages: o.messages,
    chats: o.chats,
    seed: o.seed,
    batchSize: o.batchSize,
    backfillShare: o.backfillShare,
  });
  log(
    `planned ${plan.n} messages from ${corpus.paragraphs.length} paragraphs; ` +
      `backfill cutoff ${new Date(plan.backfillCutoffTs).toISOString().slice(0, 10)}`,
  );
  const harnessRssMb = process.memoryUsage().rss / 1048576;
  const store = Store.open(input.profileDir);
  const raw = o.skipRaw ? null : new RawBaseline(input.rawFile);
  post({ type: 'ingest-start' });
  const stats = ingest(store, raw, plan, input);
  stats.harnessRssMb = harnessRssMb;
  // The substring index is filled off the ingest path; time its catch-up so
  // the report can say what "everything searchable" costs.
  const t0 = performance.now();
  new VocabularyIndexer(store.db).drainAll();
  stats.substringCatchupMs = performance.now() - t0;
  // What the daemon does once sync has been quiet for a minute
  // (search/quietCompaction.ts): the reads below see the index a user's
  // searches see after the first sync has settled (--no-index-merge: before).
  const compactor = new IndexCompactor(store.db);
  stats.wordIndexSegments = compactor.segments();
  if (o.indexMerge && compactor.needed()) {
    const m0 = performance.now();
    while (compactor.step());
    stats.wordIndexMergeMs = performance.now() - m0;
  }
  raw?.close();
  touchPreferences(store, o.seed);
  post({ type: 'ingest-done', stats });
  const q = input.rounds
    ? await queriesInRounds(store, plan, input, input.rounds)
    : await queries(store, plan, input);
  store.close();
  post({ type: 'queries-done', stats: q });
}

main().catch((err: Error) => {
  post({ type: 'fatal', message: err.stack ?? err.message });
});
