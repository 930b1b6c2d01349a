// Rewrites word-index rows queued in word_backlog (migration 007: CJK text
// indexed before runs also held their last character) in small transactions,
// oldest key first, the way TrigramIndexer fills the substring index. The
// daemon runs both between other work; a search touching CJK says it is
// partial while this backlog is not empty.
import type { WriteDb } from '../database.js';
import { MessageIndex } from './messageIndex.js';

export class WordReindexer {
  private readonly index: MessageIndex;
  private readonly next;
  private readonly unqueue;
  private readonly pending;

  constructor(private readonly db: WriteDb) {
    this.index = new MessageIndex(db);
    this.next = db.prepare(`
      SELECT b.id, m.body, m.subject, m.sender_name FROM word_backlog b
      JOIN messages m ON m.id = b.id AND m.deleted = 0
      ORDER BY b.id LIMIT ?`);
    this.unqueue = db.prepare(`DELETE FROM word_backlog WHERE id <= ?`);
    this.pending = db.prepare(`SELECT count(*) FROM word_backlog`).pluck();
  }

  /** Reindexes up to `limit` queued messages in one transaction; returns how many. */
  drain(limit = 500): number {
    return this.db
      .transaction(() => {
        type Row = { id: number; body: string; subject: string | null; sender_name: string };
        const rows = this.next.all(limit) as Row[];
        for (const r of rows) this.index.reindexWords(r.id, r.body, r.subject, r.sender_name);
        // Deleted messages never join, so everything up to the last id is done.
        if (rows.length > 0) this.unqueue.run(rows[rows.length - 1]!.id);
        else this.db.exec(`DELETE FROM word_backlog`);
        return rows.length;
      })
      .immediate();
  }

  backlog(): number {
    return this.pending.get() as number;
  }
}
