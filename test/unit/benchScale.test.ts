// The size curve's "like work" figure (bench/scale.ts): a kind's p50 growth
// counts only variants whose page held the same hits at every size, so a rare
// word whose page fills as the profile grows does not read as a slower index,
// and a variant that did get slower on the same hits still shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleResult } from '../../bench/scale.js';
import type { SearchSamples } from '../../bench/queries.js';

const run = (
  hits: Record<string, number>,
  p50: Record<string, number>,
  p95: Record<string, number> = p50,
) => ({
  search_kind_p50_ms: { rare: 1 },
  search_kind_p95_ms: { rare: 1 },
  search_variant_hits: { rare: hits },
  search_variant_p50_ms: { rare: p50 },
  search_variant_p95_ms: { rare: p95 },
});

test('growth on like work leaves out variants whose hits changed, and keeps their counts', () => {
  const s = scaleResult(
    [100_000, 1_000_000],
    [
      run({ full: 50, filling: 3, other: 50 }, { full: 1.0, filling: 0.2, other: 0.5 }),
      run({ full: 50, filling: 50, other: 50 }, { full: 1.2, filling: 0.9, other: 0.6 }),
    ],
  );
  assert.deepEqual(s.equal_hits.rare, {
    variants: ['full', 'other'],
    growth: [1, 1.2],
    growth_p95: [1, 1.2],
  });
  assert.deepEqual(s.hits_changed.rare, ['filling: 3 → 50']);
  assert.deepEqual(s.not_flat_p50_equal_hits, []);
});

test('a variant slower on the same hits is not flat', () => {
  const s = scaleResult(
    [100_000, 3_000_000],
    [run({ a: 50, b: 50 }, { a: 1, b: 1 }), run({ a: 50, b: 50 }, { a: 1.8, b: 2.2 })],
  );
  assert.deepEqual(s.equal_hits.rare!.growth, [1, 2]);
  assert.deepEqual(s.not_flat_p50_equal_hits, ['rare']);
});

test('tails that grew on like work are not flat, though the p50s are; a filling variant counts in neither', () => {
  const s = scaleResult(
    [100_000, 3_000_000],
    [
      run({ a: 50, b: 50, filling: 3 }, { a: 1, b: 1, filling: 0.1 }, { a: 2, b: 2, filling: 0.2 }),
      run(
        { a: 50, b: 50, filling: 50 },
        { a: 1.1, b: 1.2, filling: 1 },
        { a: 3.4, b: 3.8, filling: 9 },
      ),
    ],
  );
  assert.deepEqual(s.equal_hits.rare!.growth, [1, 1.15]);
  assert.deepEqual(s.equal_hits.rare!.growth_p95, [1, 1.8]);
  assert.deepEqual(s.not_flat_p50_equal_hits, []);
  assert.deepEqual(s.not_flat_p95_equal_hits, ['rare']);
});

test('a kind with no variant of equal hits has no like-work growth', () => {
  const s = scaleResult(
    [100_000, 1_000_000],
    [run({ a: 2 }, { a: 0.2 }), run({ a: 40 }, { a: 0.8 })],
  );
  assert.deepEqual(s.equal_hits.rare, {
    variants: [],
    growth: [null, null],
    growth_p95: [null, null],
  });
  assert.deepEqual(s.not_flat_p50_equal_hits, []);
});

// --scale reads in rounds alternating between the sizes (bench/store-bench.ts);
// each size's rounds are pooled into one set of figures per kind and variant.
test('rounds pool into one figure: every round counts, and a slow round moves the p95, not the p50', async () => {
  const { summarizeSearch, summarizePages } = await import('../../bench/queries.js');
  const round = (ms: number) => ({
    kinds: [
      { kind: 'rare', extra: false, hits: { a: 50, b: 7 }, perVariant: { a: [ms, ms], b: [ms] } },
    ],
  });
  // Fifteen quiet rounds and one taken while the machine was busy.
  const rounds = [...Array.from({ length: 15 }, () => round(1)), round(9)];
  const s = summarizeSearch(rounds);
  const rare = s.kinds[0]!;
  assert.equal(rare.n, 48);
  assert.equal(rare.p50, 1);
  assert.equal(rare.p95, 9);
  assert.deepEqual(rare.hits, { a: 50, b: 7 });
  assert.deepEqual(rare.variantP50, { a: 1, b: 1 });
  assert.deepEqual(rare.variantP95, { a: 9, b: 9 });

  const pages = summarizePages([
    { newest: [1, 2], deep: [3] },
    { newest: [4], deep: [5, 6] },
  ]);
  assert.equal(pages.newest.n, 3);
  assert.equal(pages.deep.max, 6);
  assert.equal(pages.all.n, 6);
});

test('rounds pool kind by kind and variant by variant; rounds that disagree on the kinds are refused', async () => {
  const { summarizeSearch } = await import('../../bench/queries.js');
  const round = (a: number, b: number, c: number): SearchSamples => ({
    kinds: [
      { kind: 'rare', extra: false, hits: { a: 5 }, perVariant: { a: [a], b: [b] } },
      { kind: 'relevance', extra: true, hits: { c: 50 }, perVariant: { c: [c] } },
    ],
  });
  const s = summarizeSearch([round(1, 10, 100), round(3, 30, 300), round(2, 20, 200)]);
  assert.deepEqual(s.kinds[0]!.variantP50, { a: 2, b: 20 });
  assert.deepEqual(s.kinds[1]!.variantP50, { c: 200 });
  assert.deepEqual(s.kinds[0]!.slowest, { query: 'b', p50: 20 });
  // The headline pools the kinds that are not extra: rare's six samples only.
  assert.equal(s.p95, 30);
  assert.equal(s.p50, 3);

  const swapped = { kinds: [...round(1, 1, 1).kinds].reverse() };
  assert.throws(() => summarizeSearch([round(1, 1, 1), swapped]), /disagree on their kinds/);
});
