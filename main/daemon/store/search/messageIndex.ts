// Keeps the full-text indexes in step with messages. Both are contentless
// (the text is stored once, in messages) and keyed by messages.id, which is
// time-ordered, so an index walk in rowid order is a walk in time order.
//
// The word index is written with the message. The trigram index (for
// `*substring` queries) costs more per message than everything else in an
// ingest, so new messages only join trigram_backlog here; TrigramIndexer
// indexes them in small background transactions; a substring search indexes
// one bounded slice more and otherwise answers from what is indexed, saying
// it is partial (search/messageSearch.ts).
import type { Db } from '../database.js';
import { toIndexText } from './indexText.js';

export class MessageIndex {
  private readonly insertWords;
  private readonly deleteWords;
  private readonly queueTrigrams;
  private readonly unqueueTrigrams;
  private readonly deleteTrigrams;

  constructor(db: Db) {
    this.insertWords = db.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, ?, ?)`,
    );
    this.deleteWords = db.prepare(`DELETE FROM messages_fts WHERE rowid = ?`);
    this.queueTrigrams = db.prepare(`INSERT OR IGNORE INTO trigram_backlog (id) VALUES (?)`);
    this.unqueueTrigrams = db.prepare(`DELETE FROM trigram_backlog WHERE id = ?`);
    this.deleteTrigrams = db.prepare(`DELETE FROM messages_trigram WHERE rowid = ?`);
  }

  add(id: number, body: string, subject: string | null, sender: string): void {
    this.insertWords.run(id, toIndexText(body), subject ? toIndexText(subject) : null, sender);
    this.queueTrigrams.run(id);
  }

  remove(id: number): void {
    this.deleteWords.run(id);
    // Deleting a rowid a contentless table never had is a no-op.
    if (this.unqueueTrigrams.run(id).changes === 0) this.deleteTrigrams.run(id);
  }

  /** Rewrites a message's word-index row from its text (the trigram index is untouched). */
  reindexWords(id: number, body: string, subject: string | null, sender: string): void {
    this.deleteWords.run(id);
    this.insertWords.run(id, toIndexText(body), subject ? toIndexText(subject) : null, sender);
  }

  replace(id: number, body: string, subject: string | null, sender: string): void {
    this.remove(id);
    this.add(id, body, subject, sender);
  }

  /** Rebuilds the word index from messages (a migration that changes its options). */
  static rebuildWords(db: Db): void {
    const index = new MessageIndex(db);
    // Paged: better-sqlite3 cannot write while a statement on the connection iterates.
    const page = db.prepare(
      `SELECT id, body, subject, sender_name FROM messages
       WHERE deleted = 0 AND id > ? ORDER BY id LIMIT 5000`,
    );
    type Row = { id: number; body: string; subject: string | null; sender_name: string };
    for (
      let rows = page.all(-1) as Row[];
      rows.length > 0;
      rows = page.all(rows.at(-1)!.id) as Row[]
    )
      for (const r of rows)
        index.insertWords.run(
          r.id,
          toIndexText(r.body),
          r.subject ? toIndexText(r.subject) : null,
          r.sender_name,
        );
  }
}
