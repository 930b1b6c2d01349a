// Keeps the two full-text indexes in step with messages. Both are contentless
// (the text is stored once, in messages) and keyed by messages.id, which is
// time-ordered, so an index walk in rowid order is a walk in time order.
import type { Db } from '../database.js';
import { toIndexText } from './indexText.js';

export class MessageIndex {
  private readonly insertWords;
  private readonly insertTrigrams;
  private readonly deleteWords;
  private readonly deleteTrigrams;

  constructor(db: Db) {
    this.insertWords = db.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, ?, ?)`,
    );
    this.insertTrigrams = db.prepare(`INSERT INTO messages_trigram (rowid, text) VALUES (?, ?)`);
    this.deleteWords = db.prepare(`DELETE FROM messages_fts WHERE rowid = ?`);
    this.deleteTrigrams = db.prepare(`DELETE FROM messages_trigram WHERE rowid = ?`);
  }

  add(id: number, body: string, subject: string | null, sender: string): void {
    this.insertWords.run(id, toIndexText(body), subject ? toIndexText(subject) : null, sender);
    this.insertTrigrams.run(id, subject ? `${subject}\n${body}` : body);
  }

  remove(id: number): void {
    this.deleteWords.run(id);
    this.deleteTrigrams.run(id);
  }

  replace(id: number, body: string, subject: string | null, sender: string): void {
    this.remove(id);
    this.add(id, body, subject, sender);
  }
}
