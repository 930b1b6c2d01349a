// CI's share of `npm run fuzz`: 300 mutated server answers per connector from
// a fixed seed (test/fuzz/: recorded transcripts from the real servers,
// mutated by fast-check). Each case must end without an uncaught exception,
// with the sync done or refused by a typed error with a one-line reason, the
// store sound with nothing stored before lost or changed by a refusal, and the
// account syncing again once the answers are clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_TARGETS } from '../fuzz/targets.js';
import { CI_HUGE, fuzzConnector } from '../fuzz/fuzz.js';
import { prepare, runCase } from '../fuzz/harness.js';
import { FUZZ_REGRESSIONS } from '../fuzz/regressions.js';

const CASES = 300;
const SEED = 15_0001;

for (const target of FUZZ_TARGETS)
  test(`${target.protocol}: ${CASES} mutated server answers`, { timeout: 300_000 }, async () => {
    const summary = await fuzzConnector(target, { numRuns: CASES, seed: SEED, huge: CI_HUGE });
    assert.equal(summary.failure, null, summary.failure ?? '');
    assert.equal(summary.cases, CASES);
    // The mutations reach the parsers: some answers are refused, some taken.
    assert.ok(summary.accepted > 0 && summary.accepted < CASES, JSON.stringify(summary));
  });

// What the full run found once, replayed (runCase asserts every property).
for (const r of FUZZ_REGRESSIONS)
  test(
    `${r.protocol}: the full run's case stays fixed (${r.found})`,
    { timeout: 300_000 },
    async () => {
      const target = FUZZ_TARGETS.find((t) => t.protocol === r.protocol)!;
      const prepared = await prepare(target);
      try {
        await runCase(prepared, r.case);
      } finally {
        prepared.cleanup();
      }
    },
  );
