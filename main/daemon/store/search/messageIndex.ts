// Keeps the full-text indexes in step with messages. Both are contentless
// (the text is stored once, in messages) and keyed by messages.id, which is
// time-ordered, so an index walk in rowid order is a walk in time order.
//
// The word index is written with the message, with the message's scope tokens
// (its chat, whether it has attachments: search/scopeTokens.ts) after the
// sender's name. The trigram index (for `*substring` queries) costs more per
// message than everything else in an ingest, so new messages only join
// trigram_backlog here; TrigramIndexer indexes them in small background
// transactions; a substring search indexes one bounded slice more and
// otherwise answers from what is indexed, saying it is partial
// (search/messageSearch.ts).
import type { WriteDb } from '../database.js';
import { toIndexText } from './indexText.js';
import { senderIndexText } from './scopeTokens.js';

/** What the word index holds of a message. */
export interface IndexedMessage {
  id: number;
  chatId: number;
  body: string;
  subject: string | null;
  sender: string;
  hasAttachment: boolean;
}

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

  add(m: IndexedMessage): void {
    this.insertWordRow(m);
    this.queueTrigrams.run(m.id);
  }

  remove(id: number): void {
    this.deleteWords.run(id);
    // Deleting a rowid a contentless table never had is a no-op.
    if (this.unqueueTrigrams.run(id).changes === 0) this.deleteTrigrams.run(id);
  }

  /** Rewrites a message's word-index row from its text (the trigram index is untouched). */
  reindexWords(m: IndexedMessage): void {
    this.deleteWords.run(m.id);
    this.insertWordRow(m);
  }

  replace(m: IndexedMessage): void {
    this.remove(m.id);
    this.add(m);
  }

  private insertWordRow(m: IndexedMessage): void {
    this.insertWords.run(
      m.id,
      toIndexText(m.body),
      m.subject ? toIndexText(m.subject) : null,
      senderIndexText(m.sender, m.chatId, m.hasAttachment),
    );
  }
}
