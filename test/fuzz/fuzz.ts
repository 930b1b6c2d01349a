// Drives the harness with fast-check: `numRuns` mutated cases per connector
// from one seed, counted for the summary. A failing case is shrunk by
// fast-check and reported with its seed and path, so it replays exactly.
import fc from 'fast-check';
import { caseMutation } from './mutations.js';
import { prepare, runCase } from './harness.js';
import type { FuzzTarget } from './targets.js';

export interface FuzzOptions {
  numRuns: number;
  seed: number;
  /** Upper bounds for the big mutations (the full run goes bigger than CI). */
  huge?: { maxString: number; maxArray: number; maxDepth: number };
  /** Print a line to stderr after every this many cases (0: never). */
  progressEvery?: number;
}

export interface FuzzSummary {
  protocol: string;
  cases: number;
  accepted: number;
  refused: Record<string, number>;
  seed: number;
  seconds: number;
  /** fast-check's report of the shrunk counterexample, when a case failed. */
  failure: string | null;
}

export const CI_HUGE = { maxString: 200_000, maxArray: 2_000, maxDepth: 2_000 };
export const FULL_HUGE = { maxString: 5_000_000, maxArray: 50_000, maxDepth: 20_000 };

export async function fuzzConnector(target: FuzzTarget, o: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const prepared = await prepare(target);
  const summary: FuzzSummary = {
    protocol: target.protocol,
    cases: 0,
    accepted: 0,
    refused: {},
    seed: o.seed,
    seconds: 0,
    failure: null,
  };
  try {
    const details = await fc.check(
      fc.asyncProperty(caseMutation(o.huge ?? CI_HUGE), async (m) => {
        if (process.env.FUZZ_TRACE) process.stderr.write(`${JSON.stringify(m).slice(0, 300)}\n`);
        const t0 = Date.now();
        const outcome = await runCase(prepared, m);
        if (process.env.FUZZ_TRACE && Date.now() - t0 > 500)
          process.stderr.write(
            `slow case (${Date.now() - t0} ms): ${JSON.stringify(m).slice(0, 400)}\n`,
          );
        summary.cases++;
        if (!outcome.refused) summary.accepted++;
        else summary.refused[outcome.kind!] = (summary.refused[outcome.kind!] ?? 0) + 1;
        // A long run says how far it got (the summary comes only at its end).
        if (o.progressEvery && summary.cases % o.progressEvery === 0)
          process.stderr.write(
            `  ${target.protocol}: ${summary.cases} cases passed after ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
      }),
      { numRuns: o.numRuns, seed: o.seed, endOnFailure: true },
    );
    if (details.failed) {
      const err = details.errorInstance as Error | undefined;
      summary.failure = `${fc.defaultReportMessage(details) ?? 'failed'}\n${err?.message ?? String(err)}`;
    }
  } finally {
    prepared.cleanup();
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}
