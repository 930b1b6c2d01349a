// Read-side measurements on the built profile: search over a fixed mix of
// query kinds, opening a chat (newest page and a deeper page), the chat list.
import type { Store } from '../main/daemon/store/store.js';
import { ReadModel } from '../main/daemon/store/readModel.js';
import type { SearchHit } from '../main/daemon/model/types.js';
import type { ChatNames } from '../main/daemon/store/search/messageSearch.js';
import { pooledPercentile, summarize, type Summary } from './stats.js';
import { rng } from './prng.js';
import type { Plan } from './plan.js';

type SearchFn = (
  db: Store['db'],
  query: string,
  options?: {
    limit?: number;
    order?: 'newest' | 'relevance';
    chatNames?: ChatNames;
  },
) => SearchHit[];
type ExplainFn = (
  db: Store['db'],
  query: string,
  options?: { limit?: number; order?: 'newest' | 'relevance' },
) => { sql: string; params: unknown[]; driver: string } | null;

export interface QueryKind {
  kind: string;
  variants: string[];
  /** Not part of the headline mix (reported separately). */
  extra?: boolean;
  order?: 'newest' | 'relevance';
}

/**
 * The fixed mix. Terms were picked from the corpus by frequency: rare ≈ 10
 * paragraphs of 252k (≈ 40 hits at 1M), mid ≈ 1k (≈ 4k hits), common ≈ 20–45%
 * of all messages. `in:` uses the busiest group chats of the seeded world.
 */
export function queryMix(plan: Plan): QueryKind[] {
  const groups = plan.world.chats
    .filter((c) => c.kind === 'group' || c.kind === 'channel')
    .sort((a, b) => b.weight - a.weight);
  const chatAt = (i: number) => groups[Math.min(i, groups.length - 1)]!.name;
  return [
    { kind: 'rare', variants: ['bottleneck', 'tombstones', 'libfuzzer', 'emulator', 'predicate'] },
    { kind: 'mid', variants: ['kernel', 'packfile', 'wrapper', 'syntax', 'headers'] },
    { kind: 'common', variants: ['the', 'git', 'and', 'merge', 'commit'] },
    {
      kind: 'two_terms',
      variants: ['rebase conflict', 'submodule path', 'index lock', 'merge strategy', 'diff color'],
    },
    { kind: 'prefix2', variants: ['co', 're', 'pa', 'in', 'de'] },
    { kind: 'substring', variants: ['*gres', '*ktree', '*itmap', '*ebas', '*odul'] },
    { kind: 'cjk', variants: ['数据库', '検索', '東京', '동기화', '搜索'] },
    { kind: 'diacritic', variants: ['zurich', 'café', 'resume', 'naive', 'sao paulo'] },
    {
      kind: 'from',
      variants: [
        'from:jeff pack',
        'from:junio merge',
        'from:linus kernel',
        'from:"Patrick Steinhardt" reftable',
        'from:elijah rename',
      ],
    },
    {
      kind: 'in_chat',
      variants: [
        `in:${chatAt(0)} merge`,
        `in:${chatAt(4)} fix`,
        `in:${chatAt(40)} the`,
        `in:${chatAt(10)} kernel`,
        `in:${chatAt(150)} rebase`,
      ],
    },
    {
      kind: 'before',
      variants: [
        'before:2020-01-01 merge',
        'before:2015-06-01 kernel',
        'before:2010-01-01 the',
        'before:2020-01-01 packfile',
        'before:2012-01-01 submodule',
      ],
    },
    {
      kind: 'has_attachment',
      variants: ['has:attachment', 'has:attachment merge', 'has:attachment kernel'],
    },
    {
      kind: 'is_unread',
      variants: [
        'is:unread merge',
        'is:unread the',
        'is:unread kernel',
        'is:unread fix',
        'is:unread rebase',
      ],
    },
    {
      kind: 'backfilled',
      variants: ['palimpsest', 'cogito', 'recovered palimpsest', 'palimpsest archive'],
    },
    {
      kind: 'relevance_common',
      variants: ['the', 'merge', 'kernel'],
      order: 'relevance',
      extra: true,
    },
  ];
}

export interface KindResult extends Summary {
  kind: string;
  extra: boolean;
  /** Hits returned per variant (≤ limit) and total matches where cheap to count. */
  hits: Record<string, number>;
  /** Slowest variant and its p50. */
  slowest: { query: string; p50: number };
  /** Each variant's p50 (the size curve compares variants whose hits did not change). */
  variantP50: Record<string, number>;
  /** Each variant's p95, for the same comparison of the tails. */
  variantP95: Record<string, number>;
}

export interface SearchResults {
  available: boolean;
  p50: number;
  p95: number;
  kinds: KindResult[];
}

export interface SearchRunOptions {
  iterations: number;
  budgetMs: number;
  explain: boolean;
  log: (line: string) => void;
}

/** One round of the search mix: each variant's timings (ms) and hits, per kind. */
export interface SearchSamples {
  kinds: {
    kind: string;
    extra: boolean;
    hits: Record<string, number>;
    perVariant: Record<string, number[]>;
  }[];
}

/** The search mix measured once, summarized. */
export function runSearch(
  store: Store,
  plan: Plan,
  search: SearchFn,
  explain: ExplainFn | null,
  opts: SearchRunOptions,
): SearchResults {
  return summarizeSearch([sampleSearch(store, plan, search, explain, opts)], opts.log);
}

/**
 * One round of the search mix: every variant run once untimed (its hits),
 * then the variants in turn, `iterations` times or until the kind's budget is
 * spent (at least three times).
 */
export function sampleSearch(
  store: Store,
  plan: Plan,
  search: SearchFn,
  explain: ExplainFn | null,
  opts: SearchRunOptions,
): SearchSamples {
  const kinds: SearchSamples['kinds'] = [];
  for (const k of queryMix(plan)) {
    // As the app's search handler calls it: chat names from the in-memory chat list.
    const options = {
      limit: 50,
      order: k.order ?? 'newest',
      chatNames: () => store.read.chatsForSearch(),
    } as const;
    const hits: Record<string, number> = {};
    const perVariant: Record<string, number[]> = {};
    for (const q of k.variants) {
      hits[q] = search(store.db, q, options).length; // warm-up, not timed
      perVariant[q] = [];
      if (opts.explain && explain) {
        const ex = explain(store.db, q, options);
        if (ex) {
          const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${ex.sql}`).all(...ex.params) as {
            detail: string;
          }[];
          opts.log(`  [${k.kind}] ${q} (${ex.driver}): ${plan.map((p) => p.detail).join(' | ')}`);
        }
      }
    }
    const started = performance.now();
    for (let it = 0; it < opts.iterations; it++) {
      for (const q of k.variants) {
        const t0 = performance.now();
        search(store.db, q, options);
        perVariant[q]!.push(performance.now() - t0);
      }
      if (performance.now() - started > opts.budgetMs && it >= 2) break;
    }
    kinds.push({ kind: k.kind, extra: !!k.extra, hits, perVariant });
  }
  return { kinds };
}

/** Rounds of the search mix pooled: each kind's and variant's samples together. */
export function summarizeSearch(
  rounds: readonly SearchSamples[],
  log?: (line: string) => void,
): SearchResults {
  const kinds: KindResult[] = [];
  const headline: number[][] = [];
  for (const [i, first] of (rounds[0]?.kinds ?? []).entries()) {
    const perVariant = new Map<string, number[]>();
    const misplaced = rounds.find((r) => r.kinds[i]?.kind !== first.kind);
    if (misplaced) throw new Error(`search rounds disagree on their kinds at ${i}: ${first.kind}`);
    for (const q of Object.keys(first.perVariant))
      perVariant.set(
        q,
        rounds.flatMap((r) => r.kinds[i]!.perVariant[q]!),
      );
    const samples = [...perVariant.values()].flat();
    let slowest = { query: '', p50: -1 };
    const variantP50: Record<string, number> = {};
    const variantP95: Record<string, number> = {};
    for (const [q, s] of perVariant) {
      const { p50, p95 } = summarize(s);
      variantP50[q] = p50;
      variantP95[q] = p95;
      if (p50 > slowest.p50) slowest = { query: q, p50 };
    }
    const summary = summarize(samples);
    const hits = first.hits;
    kinds.push({
      kind: first.kind,
      extra: first.extra,
      hits,
      slowest,
      variantP50,
      variantP95,
      ...summary,
    });
    if (!first.extra) headline.push(samples);
    const zero = Object.entries(hits).filter(([, n]) => n === 0);
    log?.(
      `  search ${first.kind.padEnd(16)} p50 ${summary.p50.toFixed(2)} ms  p95 ${summary.p95.toFixed(2)} ms` +
        `  (n=${summary.n}; slowest ${JSON.stringify(slowest.query)} p50 ${slowest.p50.toFixed(2)} ms)` +
        (zero.length ? `  NO HITS: ${zero.map(([q]) => q).join(', ')}` : ''),
    );
  }
  return {
    available: true,
    p50: pooledPercentile(headline, 50),
    p95: pooledPercentile(headline, 95),
    kinds,
  };
}

export interface PageResults {
  newest: Summary;
  deep: Summary;
  all: Summary;
}

/** Untimed chat-page reads before a run's timed ones (a round takes its share). */
export const PAGE_WARMUPS = 20;

/** One round of chat pages: each read's time (ms), newest pages and deeper ones. */
export interface PageSamples {
  newest: number[];
  deep: number[];
}

/** Chat pages measured once, summarized. */
export function runChatPages(store: Store, seed: number, samples: number): PageResults {
  return summarizePages([sampleChatPages(store, seed, samples)]);
}

/**
 * `samples` newest pages of random chats, then as many deeper pages (before a
 * message 100–5,000 back), after `warmups` untimed reads. Round 0 reads the
 * chats a single run reads; each later round picks its own.
 */
export function sampleChatPages(
  store: Store,
  seed: number,
  samples: number,
  round = 0,
  warmups = PAGE_WARMUPS,
): PageSamples {
  const db = store.db;
  const chats = db
    .prepare(`SELECT chat_id AS id, count(*) AS n FROM messages GROUP BY chat_id`)
    .all() as { id: number; n: number }[];
  const r = round === 0 ? rng('pages', seed) : rng('pages', seed, round);
  const deepable = chats.filter((c) => c.n >= 150);
  const beforeAt = db.prepare(
    `SELECT id FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?`,
  );
  const newest: number[] = [];
  const deep: number[] = [];
  // Targets picked up front (untimed), so the timed loop is only the read.
  const newestTargets = Array.from(
    { length: samples },
    () => chats[Math.floor(r() * chats.length)]!.id,
  );
  const deepTargets = Array.from({ length: deepable.length ? samples : 0 }, () => {
    const c = deepable[Math.floor(r() * deepable.length)]!;
    const depth = 100 + Math.floor(r() * Math.min(c.n - 100, 5000));
    return { chatId: c.id, beforeId: (beforeAt.pluck().get(c.id, depth) as number) + 1 };
  });
  // Warm-up reads of the first targets (1 in 30 of a whole run's; a round
  // passes its share, so the rounds together warm no more than one run).
  for (let i = 0; i < warmups; i++)
    store.read.messages(newestTargets[i % newestTargets.length]!, { limit: 50 });
  for (const chatId of newestTargets) {
    const t0 = performance.now();
    store.read.messages(chatId, { limit: 50 });
    newest.push(performance.now() - t0);
  }
  for (const t of deepTargets) {
    const t0 = performance.now();
    store.read.messages(t.chatId, { limit: 50, beforeId: t.beforeId });
    deep.push(performance.now() - t0);
  }
  return { newest, deep };
}

/** Rounds of chat pages pooled. */
export function summarizePages(rounds: readonly PageSamples[]): PageResults {
  const newest = rounds.flatMap((r) => r.newest);
  const deep = rounds.flatMap((r) => r.deep);
  return { newest: summarize(newest), deep: summarize(deep), all: summarize([...newest, ...deep]) };
}

export interface ChatListResults {
  /** The whole list (in memory), each read right after a write. The headline figure. */
  all: Summary;
  byWorkspace: Summary;
  byAccount: Summary;
  /**
   * The baseline, in the same run: the whole list read from SQL (a ReadModel
   * without the in-memory list, which is what every read cost before), also
   * each right after a write.
   */
  sql: Summary;
  /** The writes themselves (a new message through BatchWriter.apply, or mark read). */
  write: Summary;
  /** The in-memory list read again with no write between (a pure hit: proves nothing alone). */
  hit: Summary;
  rows: number;
}

/**
 * The chat list, as a running app reads it: every sample first makes a write
 * that changes a chat-list row, then times the read, so the in-memory list
 * always has work to do (re-read the changed chat, move it). Three writes in
 * four are a new message into a random chat through BatchWriter.apply, the
 * path sync takes (the chat moves to the top); one in four is the user
 * marking a chat read (prefs.markRead: its counts drop). The same writes
 * precede the SQL baseline's reads. The messages written stay in the profile.
 */
export function runChatList(store: Store, seed: number, samples: number): ChatListResults {
  const r = rng('chat-list', seed);
  const sqlRead = new ReadModel(store.readDb);
  const workspaces = store.accounts.workspaces().map((w) => w.id);
  const accounts = store.accounts.list().map((a) => a.id);
  const chats = store.db
    .prepare(
      `SELECT c.id, c.account_id AS accountId, c.remote_id AS remoteId,
         (SELECT p.remote_id FROM people p WHERE p.account_id = c.account_id
            AND p.is_self = 0 LIMIT 1) AS sender
       FROM chats c WHERE c.archived = 0`,
    )
    .all() as { id: number; accountId: number; remoteId: string; sender: string | null }[];
  const newestOf = store.db.prepare(`SELECT max(id) FROM messages WHERE chat_id = ?`).pluck();
  let serial = 0;
  let ts = store.db.prepare(`SELECT max(ts) FROM messages`).pluck().get() as number;
  const writes: number[] = [];
  const write = (): void => {
    const chat = chats[Math.floor(r() * chats.length)]!;
    const t0 = performance.now();
    if (r() < 0.75) {
      ts += 1000;
      store.writer.apply(chat.accountId, {
        messages: [
          {
            remoteId: `bench-chat-list-${seed}-${serial++}`,
            chatRemoteId: chat.remoteId,
            senderRemoteId: chat.sender,
            ts,
            kind: 'text',
            body: `a new message for the chat list benchmark, number ${serial}`,
          },
        ],
      });
    } else {
      const newest = newestOf.get(chat.id) as number | null;
      if (newest !== null) store.prefs.markRead(chat.id, newest);
    }
    writes.push(performance.now() - t0);
  };
  const timed = (into: number[], read: () => unknown): void => {
    write();
    const t0 = performance.now();
    read();
    into.push(performance.now() - t0);
  };
  const all: number[] = [];
  const byWorkspace: number[] = [];
  const byAccount: number[] = [];
  const sql: number[] = [];
  const hit: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    rows = store.read.chats().length;
    sqlRead.chats();
  }
  for (let i = 0; i < samples; i++) {
    timed(all, () => store.read.chats());
    timed(sql, () => sqlRead.chats());
    timed(byWorkspace, () => store.read.chats({ workspaceId: workspaces[i % workspaces.length]! }));
    timed(byAccount, () => store.read.chats({ accountId: accounts[i % accounts.length]! }));
    const t0 = performance.now();
    store.read.chats();
    hit.push(performance.now() - t0);
  }
  return {
    all: summarize(all),
    byWorkspace: summarize(byWorkspace),
    byAccount: summarize(byAccount),
    sql: summarize(sql),
    write: summarize(writes),
    hit: summarize(hit),
    rows,
  };
}
