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
  flat_bound: number;
}

/** Which check a figure is under: flat p95, flat p50, or none (it may grow). */
type Flat = 'p95' | 'p50' | false;

interface Figure {
  name: string;
  value: number | null;
  flat: Flat;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

function figures(result: Record<string, unknown>): Figure[] {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const out: Figure[] = [];
  for (const q of ['p95', 'p50'] as const) {
    const kinds = (result[`search_kind_${q}_ms`] ?? {}) as Record<string, number>;
    for (const [kind, v] of Object.entries(kinds))
      // Relevance ranks candidates by term frequency: its cost follows a term's hits, not a seek.
      out.push({
        name: `search_${q}_ms.${kind}`,
        value: num(v),
        flat: kind === 'relevance_common' ? false : q,
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
  return {
    scale,
    values,
    growth,
    not_flat: notFlat,
    flat_within_bound: notFlat.length === 0,
    not_flat_p50: grew('p50'),
    flat_bound: FLAT_BOUND,
  };
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
  ].join('\n');
}
