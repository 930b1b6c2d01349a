// Merges the word index's segments into one while the daemon is quiet.
//
// FTS5 writes each transaction's new terms as a segment and merges segments
// four at a time as they pile up on a level (its automerge). After a first
// sync of 1M messages in ~1,000 batches the index holds ~23 segments, and
// every query looks each term up in every one of them. Merged into one, the
// store bench's searches cost ~20% less CPU at the median and substring
// searches (an OR of tens of words) ~40% less (docs/performance.md).
//
// A full merge rewrites the whole index (~12 s of CPU at 1M messages), so it
// runs only once the index has fragmented, never during a sync (each new batch
// would add a segment to merge again), and in slices of about 100 pages (~8 ms
// each, the longest ~80 ms at 1M) between other work. FTS5 keeps the state of
// an unfinished merge in the index itself: a slice interrupted by new writes
// is resumed by the next one, never lost or repeated.
import type { WriteDb } from '../database.js';

/** Below this many segments a merge costs more than it saves. */
export const COMPACT_FROM_SEGMENTS = 8;
/** Index pages written per slice ('merge' with a negative count merges across levels, as 'optimize' does). */
export const COMPACT_SLICE_PAGES = 100;

export class IndexCompactor {
  private readonly segmentCount;
  private readonly mergeSlice;
  private readonly totalChanges;

  constructor(
    db: WriteDb,
    private readonly fromSegments = COMPACT_FROM_SEGMENTS,
  ) {
    this.segmentCount = db.prepare(`SELECT count(DISTINCT segid) FROM messages_fts_idx`).pluck();
    this.mergeSlice = db.prepare(
      `INSERT INTO messages_fts(messages_fts, rank) VALUES ('merge', ?)`,
    );
    this.totalChanges = db.prepare(`SELECT total_changes()`).pluck();
  }

  /** How many segments the word index has now. */
  segments(): number {
    return this.segmentCount.get() as number;
  }

  /** Whether the index has fragmented enough to be worth a full merge. */
  needed(): boolean {
    return this.segments() >= this.fromSegments;
  }

  /**
   * One slice of the merge; true while there is more to do. FTS5 reports no
   * progress directly: a slice that changed fewer than two rows found nothing
   * left to merge (at 1M messages the last of ~1,100 slices changes one).
   */
  step(pages = COMPACT_SLICE_PAGES): boolean {
    const before = this.totalChanges.get() as number;
    this.mergeSlice.run(-Math.max(1, Math.floor(pages)));
    return (this.totalChanges.get() as number) - before >= 2;
  }
}
