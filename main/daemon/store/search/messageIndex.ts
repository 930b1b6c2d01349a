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
import type { WriteDb } from '../database.js';
import { toIndexText } from './indexText.js';

export class MessageIndex {
  private readonly insertWords;
  private readonly deleteWords;
  private readonly queueTrigrams;
  private readonly unqueueTrigrams;
  private readonly deleteTrigrams;

  constructor(db: WriteDb) {
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
}
