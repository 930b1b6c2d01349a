// `--scale`: the same bench at several sizes, and how each figure grows from
// the smallest. Newest-first search and page reads should stay flat (issue
// #14: within 1.5× from 100k to 3M messages); a figure that grows with the
// profile is a walk over history where a seek was meant.

/** How much a read that should stay flat may grow from the smallest size. */
export const FLAT_BOUND = 1.5;

export interface ScaleSummary {
  scale: number[];
  /** Per figure: its value at each size (null where the run had none). */
  values: Record<string, (number | null)[]>;
  /** Per figure: value at each size ÷ value at the first size. */
  growth: Record<string, (number | null)[]>;
  /** p95s that should stay flat and grew more than FLAT_BOUND by the largest size. */
  not_flat: string[];
  flat_within_bound: boolean;
  /**
   * The same check on the p50s: on a machine shared with other work a p95 is
   * mostly the scheduler's, and a p50 shows whether the work itself grew.
   */
  not_flat_p50: string[];
  /**
   * A kind's p50 growth counted on like work only: per kind, the variants
   * whose page held the same number of hits at every size, and the median of
   * their p50 ratios. A rare word finds 3 messages at 100k and a full page of
   * 50 at 1M: its growth is the page filling, not the index getting slower.
   */
  equal_hits: Record<
    string,
    { variants: string[]; growth: (number | null)[]; growth_p95: (number | null)[] }
  >;
  /** Kinds whose equal-hits p50 grew more than FLAT_BOUND by the largest size. */
  not_flat_p50_equal_hits: string[];
  /**
   * The same on the tails (issue #14 bounds the p95s): per kind, the median
   * of its like-work variants' p95 ratios. A variant's p95 is the slowest few
   * of its ~30 samples, so this moves more from run to run than the p50s.
   */
  not_flat_p95_equal_hits: string[];
  /** Per kind, the variants whose hits changed between sizes, as "query: 8 → 50". */
  hits_changed: Record<string, string[]>;
  flat_bound: number;
}

/** Which check a figure is under: flat p95, flat p50, or none (it may grow). */
type Flat = 'p95' | 'p50' | false;

interface Figure {
  name: string;
  value: number | null;
  flat: Flat;
}

/** Relevance ranks candidates by term frequency: its cost follows a term's hits, not a seek. */
const mayGrow = (kind: string) => kind === 'relevance_common';

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

function figures(result: Record<string, unknown>): Figure[] {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const out: Figure[] = [];
  for (const q of ['p95', 'p50'] as const) {
    const kinds = (result[`search_kind_${q}_ms`] ?? {}) as Record<string, number>;
    for (const [kind, v] of Object.entries(kinds))
      out.push({
        name: `search_${q}_ms.${kind}`,
        value: num(v),
        flat: mayGrow(kind) ? false : q,
      });
    out.push({ name: `search_${q}_ms`, value: num(result[`search_${q}_ms`]), flat: q });
  }
  for (const key of ['chat_page_newest_p95_ms', 'chat_page_deep_p95_ms', 'chat_page_p95_ms'])
    out.push({ name: key, value: num(result[key]), flat: 'p95' });
  out.push({ name: 'chat_page_p50_ms', value: num(result.chat_page_p50_ms), flat: 'p50' });
  for (const key of [
    'chat_list_p95_ms',
    'ingest_msgs_per_s',
    'ingest_ratio_vs_raw',
    'ingest_with_substring_index_ratio_vs_raw',
    'substring_catchup_s',
    'rss_mb',
    'db_mb',
  ])
    out.push({ name: key, value: num(result[key]), flat: false });
  return out;
}

export function scaleResult(scale: number[], runs: Record<string, unknown>[]): ScaleSummary {
  const values: Record<string, (number | null)[]> = {};
  const flat = new Map<string, Flat>();
  runs.forEach((run, i) => {
    for (const f of figures(run)) {
      (values[f.name] ??= scale.map(() => null))[i] = f.value;
      flat.set(f.name, f.flat);
    }
  });
  const growth: Record<string, (number | null)[]> = {};
  for (const [name, vs] of Object.entries(values)) {
    const first = vs[0];
    growth[name] = vs.map((v) => (v === null || !first ? null : round(v / first, 2)));
  }
  const grew = (q: Flat) =>
    [...flat]
      .filter(([name, f]) => {
        const last = growth[name]!.at(-1);
        return f === q && last !== null && last !== undefined && last > FLAT_BOUND;
      })
      .map(([name]) => name);
  const notFlat = grew('p95');
  const { equalHits, hitsChanged } = equalHitsGrowth(runs);
  return {
    scale,
    values,
    growth,
    not_flat: notFlat,
    flat_within_bound: notFlat.length === 0,
    not_flat_p50: grew('p50'),
    equal_hits: equalHits,
    not_flat_p50_equal_hits: Object.entries(equalHits)
      .filter(([kind, e]) => !mayGrow(kind) && (e.growth.at(-1) ?? 0) > FLAT_BOUND)
      .map(([kind]) => kind),
    not_flat_p95_equal_hits: Object.entries(equalHits)
      .filter(([kind, e]) => !mayGrow(kind) && (e.growth_p95.at(-1) ?? 0) > FLAT_BOUND)
      .map(([kind]) => kind),
    hits_changed: hitsChanged,
    flat_bound: FLAT_BOUND,
  };
}

type PerVariant = Record<string, Record<string, number>>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** See ScaleSummary.equal_hits. Runs without per-variant figures give none. */
export function equalHitsGrowth(runs: Record<string, unknown>[]): {
  equalHits: ScaleSummary['equal_hits'];
  hitsChanged: ScaleSummary['hits_changed'];
} {
  const hits = runs.map((r) => (r.search_variant_hits ?? {}) as PerVariant);
  const p50s = runs.map((r) => (r.search_variant_p50_ms ?? {}) as PerVariant);
  const p95s = runs.map((r) => (r.search_variant_p95_ms ?? {}) as PerVariant);
  const equalHits: ScaleSummary['equal_hits'] = {};
  const hitsChanged: ScaleSummary['hits_changed'] = {};
  for (const [kind, first] of Object.entries(hits[0] ?? {})) {
    const variants: string[] = [];
    for (const [query, n] of Object.entries(first)) {
      const counts = hits.map((h) => h[kind]?.[query]);
      if (counts.every((c) => c === n)) variants.push(query);
      else (hitsChanged[kind] ??= []).push(`${query}: ${counts.map((c) => c ?? '—').join(' → ')}`);
    }
    const growthOf = (per: PerVariant[]) =>
      runs.map((_, i) => {
        const ratios = variants.flatMap((q) => {
          const b = per[0]![kind]?.[q];
          const v = per[i]![kind]?.[q];
          return b && v !== undefined ? [v / b] : [];
        });
        return ratios.length ? round(median(ratios), 2) : null;
      });
    equalHits[kind] = { variants, growth: growthOf(p50s), growth_p95: growthOf(p95s) };
  }
  return { equalHits, hitsChanged };
}

export function renderGrowth(s: ScaleSummary): string {
  const sizes = s.scale.map((n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`));
  const cell = (v: number | null, g: number | null) =>
    v === null ? '—' : `${round(v, 2)}${g === null ? '' : ` (${g}×)`}`;
  const rows = Object.keys(s.values).map((name) => [
    name,
    ...s.values[name]!.map((v, i) => cell(v, i === 0 ? null : s.growth[name]![i]!)),
  ]);
  const header = ['figure', ...sizes];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [
    `size curve: each figure at every size (× its value at ${sizes[0]})`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    s.flat_within_bound
      ? `newest-first search and page reads (p95): flat within ${s.flat_bound}× up to ${sizes.at(-1)}`
      : `p95s that grew more than ${s.flat_bound}× by ${sizes.at(-1)}: ${s.not_flat.join(', ')}`,
    s.not_flat_p50.length === 0
      ? `the same p50s: flat within ${s.flat_bound}×`
      : `p50s that grew more than ${s.flat_bound}×: ${s.not_flat_p50.join(', ')}`,
    '',
    ...renderEqualHits(s, sizes),
  ].join('\n');
}

function renderEqualHits(s: ScaleSummary, sizes: string[]): string[] {
  const kinds = Object.keys(s.equal_hits);
  if (kinds.length === 0) return [];
  const lines = [
    `search p50 growth on like work (median over the variants whose hits did not change)`,
  ];
  for (const kind of kinds) {
    const e = s.equal_hits[kind]!;
    const growth = e.growth.map((g, i) => `${sizes[i]} ${g === null ? '—' : `${g}×`}`).join('  ');
    const changed = s.hits_changed[kind]?.length
      ? `; hits changed: ${s.hits_changed[kind]!.join(', ')}`
      : '';
    lines.push(`  ${kind.padEnd(16)} ${growth}  (${e.variants.length} variants${changed})`);
  }
  lines.push(
    s.not_flat_p50_equal_hits.length === 0
      ? `on like work, newest-first search p50s: flat within ${s.flat_bound}×`
      : `on like work, p50s that grew more than ${s.flat_bound}×: ${s.not_flat_p50_equal_hits.join(', ')}`,
    '',
    `search p95 growth on like work (median over the same variants' p95 ratios)`,
  );
  for (const kind of kinds) {
    const g = s.equal_hits[kind]!.growth_p95;
    lines.push(
      `  ${kind.padEnd(16)} ${g.map((x, i) => `${sizes[i]} ${x === null ? '—' : `${x}×`}`).join('  ')}`,
    );
  }
  lines.push(
    s.not_flat_p95_equal_hits.length === 0
      ? `on like work, newest-first search p95s: flat within ${s.flat_bound}×`
      : `on like work, p95s that grew more than ${s.flat_bound}×: ${s.not_flat_p95_equal_hits.join(', ')}`,
    '',
  );
  return lines;
}
