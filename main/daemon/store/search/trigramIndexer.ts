// Fills the trigram index from trigram_backlog in small transactions, oldest
// key first (FTS5 appends fastest in rowid order). The daemon runs it in the
// background after each sync batch, one slice per turn of the event loop; a
// substring search indexes one more slice and answers from what is indexed
// (partial while a backlog remains), so no call waits for all of history.
import type { WriteDb } from '../database.js';

export class TrigramIndexer {
  private readonly next;
  private readonly insert;
  private readonly unqueue;
  private readonly pending;

  constructor(private readonly db: WriteDb) {
    this.next = db.prepare(`
      SELECT b.id, m.body, m.subject FROM trigram_backlog b JOIN messages m ON m.id = b.id
      ORDER BY b.id LIMIT ?`);
    this.insert = db.prepare(`INSERT INTO messages_trigram (rowid, text) VALUES (?, ?)`);
    this.unqueue = db.prepare(`DELETE FROM trigram_backlog WHERE id <= ?`);
    this.pending = db.prepare(`SELECT count(*) FROM trigram_backlog`).pluck();
  }

  /** Indexes up to `limit` queued messages in one transaction; returns how many. */
  drain(limit = 500): number {
    return this.db
      .transaction(() => {
        const rows = this.next.all(limit) as { id: number; body: string; subject: string | null }[];
        for (const r of rows) this.insert.run(r.id, r.subject ? `${r.subject}\n${r.body}` : r.body);
        // Rows whose message is gone never join, so everything up to the last id is done.
        if (rows.length > 0) this.unqueue.run(rows[rows.length - 1]!.id);
        else this.db.exec(`DELETE FROM trigram_backlog`);
        return rows.length;
      })
      .immediate();
  }

  /** Everything at once (benchmarks, tools); the daemon never blocks on this. */
  drainAll(): number {
    let total = 0;
    for (let n = this.drain(2000); n > 0; n = this.drain(2000)) total += n;
    return total;
  }

  backlog(): number {
    return this.pending.get() as number;
  }
}
