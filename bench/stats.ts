// Percentiles and timing helpers.

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Percentile over groups that weigh the same whatever their sample counts, so
 * a slow kind that got fewer repetitions (time budget) still counts fully.
 */
export function pooledPercentile(groups: readonly (readonly number[])[], p: number): number {
  const weighted: { v: number; w: number }[] = [];
  for (const g of groups) for (const v of g) weighted.push({ v, w: 1 / g.length });
  if (weighted.length === 0) return NaN;
  weighted.sort((a, b) => a.v - b.v);
  const total = weighted.reduce((s, x) => s + x.w, 0);
  const target = (p / 100) * total;
  let acc = 0;
  for (const x of weighted) {
    acc += x.w;
    if (acc >= target - 1e-9) return x.v;
  }
  return weighted[weighted.length - 1]!.v;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : NaN,
  };
}

export const round = (v: number, digits = 3): number =>
  Number.isFinite(v) ? Number(v.toFixed(digits)) : v;

/** Milliseconds taken by fn (high resolution), and its result. */
export function timed<T>(fn: () => T): [number, T] {
  const t0 = performance.now();
  const value = fn();
  return [performance.now() - t0, value];
}
