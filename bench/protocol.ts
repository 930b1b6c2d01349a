// Messages between the bench's host (main thread) and its daemon thread.
import type { Summary } from './stats.js';
import type { ChatListResults, PageResults, SearchResults } from './queries.js';

export interface BenchOptions {
  messages: number;
  chats: number;
  seed: number;
  batchSize: number;
  backfillShare: number;
  searchIterations: number;
  searchBudgetMs: number;
  pageSamples: number;
  listSamples: number;
  explain: boolean;
  skipRaw: boolean;
  /** Merge the word index after ingest, as the daemon does once sync is quiet. */
  indexMerge: boolean;
}

export interface WorkerInput {
  profileDir: string;
  rawFile: string;
  options: BenchOptions;
  /**
   * --scale: the reads in this many rounds, each when the host asks for it
   * (HostMessage), so the sizes' rounds alternate; absent: the reads run once,
   * right after ingest.
   */
  rounds?: number;
}

export interface IngestStats {
  messages: number;
  batches: number;
  /** Sum of BatchWriter.apply times over message batches (generation excluded). */
  parleyMs: number;
  /** Sum of the raw loop's transaction times over the same batches. */
  rawMs: number;
  parleyInitialMs: number;
  parleyBackfillMs: number;
  rawInitialMs: number;
  rawBackfillMs: number;
  initialMessages: number;
  backfillMessages: number;
  setupMs: number;
  wallMs: number;
  parleyBatch: Summary;
  rawBatch: Summary;
  parleyDbBytes: number;
  rawDbBytes: number;
  chats: number;
  harnessRssMb: number;
  /** Time the background substring (vocabulary) indexer needs to catch up after the ingest. */
  substringCatchupMs: number;
  /** The word index's segments as ingest left them, and the merge's time (0: not merged). */
  wordIndexSegments: number;
  wordIndexMergeMs: number;
}

export interface QueryStats {
  search: SearchResults | null;
  searchUnavailable?: string;
  pages: PageResults;
  chatList: ChatListResults;
  wallMs: number;
}

export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'ingest-start' }
  /** As the daemon would post a delta event after each batch. */
  | {
      type: 'batch';
      phase: string;
      done: number;
      total: number;
      chatIds: number[];
      inserted: number;
    }
  | { type: 'ingest-done'; stats: IngestStats }
  | { type: 'round-done'; round: number }
  | { type: 'queries-done'; stats: QueryStats }
  | { type: 'fatal'; message: string };

/** From the host to a daemon thread started with `rounds`. */
export type HostMessage =
  /** Measure one round of the reads (search mix, chat pages). */
  | { type: 'round'; round: number }
  /** The rounds are over: pool them, measure the chat list, report. */
  | { type: 'finish' };
