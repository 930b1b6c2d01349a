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
// runs only when much of the index lies outside its largest segment: not for
// the handful of tiny segments live messages leave (automerge keeps 4 to 15 of
// them: counted alone, they would have a 1M index rewritten after every dozen
// batches), but after a first sync, or once the messages since the last merge
// add up to a third of those before it (so each message's terms are rewritten
// a few times over the profile's life, not once per quiet minute). Never during
// a sync (each new batch would add a segment to merge again), and in slices
// of about 100 pages (~8 ms each, the longest ~80 ms at 1M) between other work. FTS5 keeps the state of
// an unfinished merge in the index itself: a slice interrupted by new writes
// is resumed by the next one, never lost or repeated.
import type { WriteDb } from '../database.js';

/**
 * Merge when the largest segment holds less than this share of the index,
 * measured in leaf pages (one row each in FTS5's `_idx` table).
 */
export const COMPACT_BELOW_LARGEST_SHARE = 0.75;
/** Index pages written per slice ('merge' with a negative count merges across levels, as 'optimize' does). */
export const COMPACT_SLICE_PAGES = 100;

export class IndexCompactor {
  private readonly segmentPages;
  private readonly mergeSlice;
  private readonly totalChanges;

  constructor(
    db: WriteDb,
    private readonly belowLargestShare = COMPACT_BELOW_LARGEST_SHARE,
  ) {
    this.segmentPages = db
      .prepare(`SELECT count(*) FROM messages_fts_idx GROUP BY segid ORDER BY 1 DESC`)
      .pluck();
    this.mergeSlice = db.prepare(
      `INSERT INTO messages_fts(messages_fts, rank) VALUES ('merge', ?)`,
    );
    this.totalChanges = db.prepare(`SELECT total_changes()`).pluck();
  }

  /** How many segments the word index has now. */
  segments(): number {
    return this.pagesBySegment().length;
  }

  /** Whether enough of the index lies outside its largest segment to be worth a full merge. */
  needed(): boolean {
    const pages = this.pagesBySegment();
    if (pages.length < 2) return false;
    const total = pages.reduce((sum, n) => sum + n, 0);
    return pages[0]! < this.belowLargestShare * total;
  }

  /** Each segment's leaf pages (by the `_idx` rows that point at them), largest first. */
  private pagesBySegment(): number[] {
    return this.segmentPages.all() as number[];
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
