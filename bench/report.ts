// The human-readable table (stdout) and the one-line JSON result (last line).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CliOptions } from './args.js';
import type { LagResult } from './host.js';
import type { IngestStats, QueryStats } from './protocol.js';
import { round } from './stats.js';

/**
 * Issue #14's store targets (shared/design/PERFORMANCE.md's were looser: search
 * p95 ≤ 10 ms pooled, chat list ≤ 5 ms, ingest ≥ 0.8× without the substring index).
 * `search_newest_worst_p95_ms` is the slowest newest-first kind's p95: every
 * kind must meet 2 ms, not their pool.
 */
export const TARGETS = {
  ingest_with_substring_index_ratio_vs_raw: { op: '>=', value: 1.0 },
  search_newest_worst_p95_ms: { op: '<=', value: 2 },
  search_relevance_p95_ms: { op: '<=', value: 20 },
  chat_page_p95_ms: { op: '<=', value: 1 },
  chat_list_p95_ms: { op: '<=', value: 2 },
  host_loop_lag_p99_ms: { op: '<=', value: 16 },
} as const;
/** Kinds ranked by relevance, not newest first (reported apart from the 2 ms bound). */
const RELEVANCE_KINDS = /^relevance/;
type TargetKey = keyof typeof TARGETS;

/** Store files whose changes move the numbers: short content hashes, to attribute results. */
const STORE_SOURCES = [
  'batchWriter.ts',
  'readModel.ts',
  'chatListCache.ts',
  'chatSummaries.ts',
  'search/messageIndex.ts',
  'search/indexText.ts',
  'search/messageSearch.ts',
  'search/queryParser.ts',
  'search/snippet.ts',
  'migrations/001_initial.ts',
];

export function storeSourceHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of STORE_SOURCES) {
    try {
      const text = readFileSync(new URL(`../main/daemon/store/${f}`, import.meta.url));
      out[f] = createHash('sha1').update(text).digest('hex').slice(0, 10);
    } catch {
      out[f] = 'missing';
    }
  }
  return out;
}

export function buildResult(
  o: CliOptions,
  ingest: IngestStats,
  lag: LagResult,
  q: QueryStats,
  peakRssMb: number,
  sourcesAtStart: Record<string, string>,
): Record<string, unknown> {
  const perS = (n: number, ms: number) => (ms > 0 ? round((n / ms) * 1000, 0) : null);
  const parley = perS(ingest.messages, ingest.parleyMs);
  const raw = o.skipRaw ? null : perS(ingest.messages, ingest.rawMs);
  const searchKinds: Record<string, number> = {};
  const searchKindsP50: Record<string, number> = {};
  const variantP50: Record<string, Record<string, number>> = {};
  const variantP95: Record<string, Record<string, number>> = {};
  const variantHits: Record<string, Record<string, number>> = {};
  for (const k of q.search?.kinds ?? []) {
    searchKinds[k.kind] = round(k.p95);
    searchKindsP50[k.kind] = round(k.p50);
    variantP50[k.kind] = Object.fromEntries(
      Object.entries(k.variantP50).map(([v, ms]) => [v, round(ms)]),
    );
    variantP95[k.kind] = Object.fromEntries(
      Object.entries(k.variantP95).map(([v, ms]) => [v, round(ms)]),
    );
    variantHits[k.kind] = k.hits;
  }
  const result: Record<string, unknown> = {
    mode: o.mode,
    seed: o.seed,
    messages: ingest.messages,
    chats: ingest.chats,
    ingest_msgs_per_s: parley,
    raw_msgs_per_s: raw,
    ingest_ratio_vs_raw: parley !== null && raw ? round(parley / raw, 3) : null,
    // Ingest plus the background substring catch-up, against the same raw loop
    // (which keeps no substring index at all).
    substring_catchup_s: round(ingest.substringCatchupMs / 1000, 2),
    ingest_with_substring_index_ratio_vs_raw:
      raw && ingest.parleyMs > 0
        ? round(perS(ingest.messages, ingest.parleyMs + ingest.substringCatchupMs)! / raw, 3)
        : null,
    word_index_segments_after_ingest: ingest.wordIndexSegments,
    word_index_merge_s: o.indexMerge ? round(ingest.wordIndexMergeMs / 1000, 2) : null,
    ingest_initial_msgs_per_s: perS(ingest.initialMessages, ingest.parleyInitialMs),
    ingest_backfill_msgs_per_s: perS(ingest.backfillMessages, ingest.parleyBackfillMs),
    raw_initial_msgs_per_s: o.skipRaw ? null : perS(ingest.initialMessages, ingest.rawInitialMs),
    raw_backfill_msgs_per_s: o.skipRaw ? null : perS(ingest.backfillMessages, ingest.rawBackfillMs),
    ingest_batch_p95_ms: round(ingest.parleyBatch.p95, 2),
    ingest_batch_max_ms: round(ingest.parleyBatch.max, 2),
    search_p50_ms: q.search ? round(q.search.p50) : null,
    search_p95_ms: q.search ? round(q.search.p95) : null,
    search_kind_p95_ms: searchKinds,
    search_newest_worst_p95_ms: worstOf(searchKinds, (k) => !RELEVANCE_KINDS.test(k)),
    search_relevance_p95_ms: worstOf(searchKinds, (k) => RELEVANCE_KINDS.test(k)),
    // On a loaded machine the p95s are mostly scheduling; the p50s show the work.
    search_kind_p50_ms: searchKindsP50,
    // Per kind, each variant's p50 and the hits its page held (at most 50).
    search_variant_p50_ms: variantP50,
    search_variant_p95_ms: variantP95,
    search_variant_hits: variantHits,
    chat_page_p50_ms: round(q.pages.all.p50),
    chat_page_p95_ms: round(q.pages.all.p95),
    chat_page_newest_p95_ms: round(q.pages.newest.p95),
    chat_page_deep_p95_ms: round(q.pages.deep.p95),
    // The in-memory list read right after a write; the baseline is the same
    // read from SQL (what chat_list_p95_ms measured before the list was kept
    // in memory), after the same kind of write, in this run.
    chat_list_p50_ms: round(q.chatList.all.p50),
    chat_list_p95_ms: round(q.chatList.all.p95),
    chat_list_sql_p50_ms: round(q.chatList.sql.p50),
    chat_list_sql_p95_ms: round(q.chatList.sql.p95),
    chat_list_p95_ratio_vs_sql: round(q.chatList.all.p95 / q.chatList.sql.p95),
    chat_list_write_p95_ms: round(q.chatList.write.p95),
    chat_list_hit_p95_ms: round(q.chatList.hit.p95),
    chat_list_rows: q.chatList.rows,
    host_loop_lag_p99_ms: round(lag.p99, 2),
    host_loop_lag_max_ms: round(lag.max, 2),
    rss_mb: round(peakRssMb, 0),
    rss_harness_mb: round(ingest.harnessRssMb, 0),
    db_mb: round(ingest.parleyDbBytes / 1048576, 1),
    raw_db_mb: round(ingest.rawDbBytes / 1048576, 1),
  };
  const met: Record<string, boolean | null> = {};
  for (const [key, t] of Object.entries(TARGETS) as [TargetKey, (typeof TARGETS)[TargetKey]][]) {
    const v = result[key];
    met[key] = typeof v !== 'number' ? null : t.op === '>=' ? v >= t.value : v <= t.value;
  }
  result.targets_met = met;
  const sourcesAtEnd = storeSourceHashes();
  const changed = Object.keys(sourcesAtEnd).filter((f) => sourcesAtEnd[f] !== sourcesAtStart[f]);
  result.store_sources = sourcesAtStart;
  if (changed.length) result.store_sources_changed_during_run = changed;
  return result;
}

/** The largest value among the kinds `pick` accepts; null when there is none. */
function worstOf(byKind: Record<string, number>, pick: (kind: string) => boolean): number | null {
  const values = Object.entries(byKind)
    .filter(([k]) => pick(k))
    .map(([, v]) => v);
  return values.length ? Math.max(...values) : null;
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const [head, ...body] = cells;
  return [line(head!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const f = (v: unknown, digits = 2): string =>
  typeof v === 'number' && !Number.isNaN(v)
    ? Number.isInteger(v)
      ? String(v)
      : v.toFixed(digits)
    : String(v ?? 'n/a');

export function renderTables(
  result: Record<string, unknown>,
  ingest: IngestStats,
  lag: LagResult,
  q: QueryStats,
): string {
  const met = result.targets_met as Record<string, boolean | null>;
  const mark = (k: string) => (met[k] === null ? 'n/a' : met[k] ? 'met' : 'MISSED');
  const out: string[] = [];
  out.push(
    `Parley store bench — ${f(result.messages)} messages, ${f(result.chats)} chats, mode ${f(result.mode)}, seed ${f(result.seed)}`,
    '',
    table([
      ['metric', 'value', 'target', 'status'],
      ['ingest msgs/s (BatchWriter.apply)', f(result.ingest_msgs_per_s), '', ''],
      ['raw baseline msgs/s', f(result.raw_msgs_per_s), '', ''],
      ['ingest ratio vs raw (word index only)', f(result.ingest_ratio_vs_raw, 3), '', ''],
      [
        'ingest ratio vs raw, substring index included',
        f(result.ingest_with_substring_index_ratio_vs_raw, 3),
        '>= 1.0',
        mark('ingest_with_substring_index_ratio_vs_raw'),
      ],
      ['search p50 ms (all kinds pooled)', f(result.search_p50_ms, 3), '', ''],
      ['search p95 ms (all kinds pooled)', f(result.search_p95_ms, 3), '', ''],
      [
        'search p95 ms, slowest newest-first kind',
        f(result.search_newest_worst_p95_ms, 3),
        '<= 2',
        mark('search_newest_worst_p95_ms'),
      ],
      [
        'search p95 ms, relevance',
        f(result.search_relevance_p95_ms, 3),
        '<= 20',
        mark('search_relevance_p95_ms'),
      ],
      ['chat page p95 ms', f(result.chat_page_p95_ms, 3), '<= 1', mark('chat_page_p95_ms')],
      [
        'chat list p95 ms (after a write)',
        f(result.chat_list_p95_ms, 3),
        '<= 2',
        mark('chat_list_p95_ms'),
      ],
      ['chat list p95 ms, from SQL (baseline)', f(result.chat_list_sql_p95_ms, 3), '', ''],
      [
        'host loop lag p99 ms',
        f(result.host_loop_lag_p99_ms),
        '<= 16',
        mark('host_loop_lag_p99_ms'),
      ],
      ['peak rss MB (whole process)', f(result.rss_mb), '', ''],
    ]),
    '',
    table([
      ['ingest detail', 'parley', 'raw'],
      [
        'initial sync msgs/s',
        f(result.ingest_initial_msgs_per_s),
        f(result.raw_initial_msgs_per_s),
      ],
      ['backfill msgs/s', f(result.ingest_backfill_msgs_per_s), f(result.raw_backfill_msgs_per_s)],
      ['batch p50 ms', f(ingest.parleyBatch.p50), f(ingest.rawBatch.p50)],
      ['batch p95 ms', f(ingest.parleyBatch.p95), f(ingest.rawBatch.p95)],
      ['batch max ms', f(ingest.parleyBatch.max), f(ingest.rawBatch.max)],
      ['database MB (db + wal)', f(result.db_mb, 1), f(result.raw_db_mb, 1)],
      [
        'messages (initial / backfill)',
        `${ingest.initialMessages} / ${ingest.backfillMessages}`,
        '',
      ],
      ['wall time incl. both sides s', f(ingest.wallMs / 1000, 1), ''],
    ]),
    '',
    table([
      ['host during ingest', 'value'],
      ['loop lag p50 / p99 / max ms', `${f(lag.p50)} / ${f(lag.p99)} / ${f(lag.max)}`],
      ['lag samples', f(lag.samples)],
      ['max gap between 5 ms ticks ms', f(lag.maxTickGapMs)],
      ['daemon events handled / frames flushed', `${lag.eventsHandled} / ${lag.framesFlushed}`],
      ['rss after corpus+plan (harness) MB', f(result.rss_harness_mb)],
    ]),
    '',
  );
  if (q.search) {
    out.push(
      table([
        ['search kind', 'n', 'p50 ms', 'p95 ms', 'max ms', 'slowest variant (p50 ms)'],
        ...q.search.kinds.map((k) => [
          k.extra ? `${k.kind} (extra)` : k.kind,
          k.n,
          f(k.p50, 3),
          f(k.p95, 3),
          f(k.max, 3),
          `${k.slowest.query} (${f(k.slowest.p50, 3)})`,
        ]),
      ]),
      '',
    );
  } else {
    out.push(`search: not measured (${q.searchUnavailable ?? 'unavailable'})`, '');
  }
  out.push(
    table([
      ['reads', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      ...(
        [
          ['chat page, newest 50', q.pages.newest],
          ['chat page, deeper (beforeId)', q.pages.deep],
          ['chat list, all (after a write)', q.chatList.all],
          ['chat list, by workspace (after a write)', q.chatList.byWorkspace],
          ['chat list, by account (after a write)', q.chatList.byAccount],
          ['chat list, all, from SQL (baseline)', q.chatList.sql],
          ['chat list, all, no write between', q.chatList.hit],
          ['chat list: the write before each read', q.chatList.write],
        ] as const
      ).map(([name, s]) => [name, s.n, f(s.p50, 3), f(s.p95, 3), f(s.p99, 3), f(s.max, 3)]),
    ]),
    '',
  );
  return out.join('\n');
}
