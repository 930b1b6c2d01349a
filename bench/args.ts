// Command line: `npm run bench [-- --quick] [--keep DIR] [--messages N] …`.
import type { BenchOptions } from './protocol.js';

export interface CliOptions extends BenchOptions {
  mode: 'quick' | 'full' | 'custom';
  keep: string | null;
  /** --scale: one profile per size, read in alternating rounds, then how each p95 grows (null: one run of `messages`). */
  scale: number[] | null;
}

/** What --scale runs when it is given no sizes. */
export const DEFAULT_SCALE = [100_000, 1_000_000, 3_000_000];

const USAGE = `usage: npm run bench -- [--quick] [--keep DIR] [--messages N] [--chats N] [--seed N]
                      [--batch N] [--explain] [--no-raw] [--no-index-merge] [--scale [N,N,…]]
  --quick        100k messages (about a minute on 2 cores); default is 1M
  --keep DIR     build the profile in DIR (must be empty or absent) and keep it
  --explain      print EXPLAIN QUERY PLAN of every search in the mix (stderr)
  --no-raw       skip the raw better-sqlite3 baseline (no ingest ratio)
  --no-index-merge  read on the word index as ingest left it, not merged as
                 the daemon merges it once sync is quiet
  --scale [N,…]  one profile per size (default 100000,1000000,3000000), built in
                 turn, then the reads in rounds alternating between the sizes;
                 each p95 at every size and its growth from the first; with
                 --quick the read mix has quick's iteration counts at every size`;

export function parseArgs(argv: string[]): CliOptions {
  const quick = argv.includes('--quick');
  const o: CliOptions = {
    mode: quick ? 'quick' : 'full',
    keep: null,
    scale: null,
    messages: quick ? 100_000 : 1_000_000,
    chats: 2000,
    seed: 20240601,
    batchSize: 1000,
    backfillShare: 0.15,
    searchIterations: quick ? 12 : 30,
    searchBudgetMs: quick ? 4000 : 15000,
    pageSamples: quick ? 300 : 600,
    listSamples: quick ? 60 : 120,
    explain: false,
    skipRaw: false,
    indexMerge: true,
  };
  const num = (i: number): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0)
      throw new Error(`${argv[i]} needs a positive number\n${USAGE}`);
    return Math.floor(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--quick':
        break;
      case '--keep':
        if (!argv[i + 1]) throw new Error(`--keep needs a directory\n${USAGE}`);
        o.keep = argv[++i]!;
        break;
      case '--messages':
        o.messages = num(i++);
        o.mode = 'custom';
        break;
      case '--chats':
        o.chats = num(i++);
        break;
      case '--seed':
        o.seed = num(i++);
        break;
      case '--batch':
        o.batchSize = num(i++);
        break;
      case '--explain':
        o.explain = true;
        break;
      case '--no-raw':
        o.skipRaw = true;
        break;
      case '--no-index-merge':
        o.indexMerge = false;
        break;
      case '--scale': {
        const next = argv[i + 1];
        if (next !== undefined && /^[\d,_]+$/.test(next)) {
          o.scale = next
            .split(',')
            .filter((v) => v !== '')
            .map((v) => {
              const n = Number(v.replace(/_/g, ''));
              if (!Number.isInteger(n) || n < 1000)
                throw new Error(`--scale sizes are message counts ≥ 1000\n${USAGE}`);
              return n;
            });
          i++;
        } else o.scale = [...DEFAULT_SCALE];
        if (o.scale.length < 2) throw new Error(`--scale needs two sizes or more\n${USAGE}`);
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (o.scale && o.keep)
    throw new Error(`--keep keeps one profile; --scale builds several\n${USAGE}`);
  return o;
}
