// `npm run fuzz`: 10,000 mutated cases per connector (test/fuzz/targets.ts),
// then one JSON summary line. Options:
//   --cases N        cases per connector (default 10000)
//   --seed N         fast-check seed (default: random, printed in the summary)
//   --only PROTOCOL  one connector (repeatable)
//   --case JSON      with --only: run one case (a counterexample) and print its outcome
// Exits non-zero when any case broke a property; the summary holds
// fast-check's shrunk counterexample with the seed and path to replay it.
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './targets.js';
import { FULL_HUGE, fuzzConnector, type FuzzSummary } from './fuzz.js';
import { prepare, runCase } from './harness.js';
import type { CaseMutation } from './mutations.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    only: { type: 'string', multiple: true },
    case: { type: 'string' },
  },
});

// --case '<counterexample JSON>' --only PROTOCOL: runs that one case and says what happened.
if (values.case) {
  const target = FUZZ_TARGETS.find((t) => t.protocol === values.only?.[0]);
  if (!target) throw new Error('--case needs --only PROTOCOL');
  const prepared = await prepare(target);
  const started = Date.now();
  try {
    const outcome = await runCase(prepared, JSON.parse(values.case) as CaseMutation);
    console.log(JSON.stringify({ ...outcome, ms: Date.now() - started }));
  } finally {
    prepared.cleanup();
  }
  process.exit(0);
}
const numRuns = Number(values.cases);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const targets = FUZZ_TARGETS.filter(
  (t) => !values.only?.length || values.only.includes(t.protocol),
);

const results: FuzzSummary[] = [];
for (const target of targets) {
  process.stderr.write(`fuzzing ${target.protocol}: ${numRuns} cases, seed ${seed}…\n`);
  const r = await fuzzConnector(target, { numRuns, seed, huge: FULL_HUGE, progressEvery: 500 });
  process.stderr.write(
    `  ${r.cases} cases in ${r.seconds} s: ${r.accepted} accepted, refused ${JSON.stringify(r.refused)}${r.failure ? '\n  FAILED' : ''}\n`,
  );
  if (r.failure) process.stderr.write(`${r.failure}\n`);
  results.push(r);
}
const failed = results.filter((r) => r.failure).length;
console.log(JSON.stringify({ fuzz: results, failed }));
process.exit(failed ? 1 : 0);
