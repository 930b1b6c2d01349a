// Keeps the full-text indexes in step with messages. Both are contentless
// (the text is stored once, in messages) and keyed by messages.id, which is
// time-ordered, so an index walk in rowid order is a walk in time order.
//
// The word index is written with the message, with the message's scope tokens
// (its chat, whether it has attachments: search/scopeTokens.ts) after the
// sender's name. New messages join substring_backlog here; VocabularyIndexer
// adds their new words to the substring vocabulary (search/vocabulary.ts) in
// small background transactions; a substring search indexes one bounded
// slice more and otherwise answers from what is indexed, saying it is
// partial (search/messageSearch.ts). Words stay in the vocabulary when their
// messages go: a word no message holds finds nothing.
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
  private readonly queueWords;
  private readonly unqueueWords;

  constructor(db: WriteDb) {
    this.insertWords = db.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, ?, ?)`,
    );
    this.deleteWords = db.prepare(`DELETE FROM messages_fts WHERE rowid = ?`);
    this.queueWords = db.prepare(`INSERT OR IGNORE INTO substring_backlog (id) VALUES (?)`);
    this.unqueueWords = db.prepare(`DELETE FROM substring_backlog WHERE id = ?`);
  }

  add(m: IndexedMessage): void {
    this.insertWordRow(m);
    this.queueWords.run(m.id);
  }

  remove(id: number): void {
    this.deleteWords.run(id);
    this.unqueueWords.run(id);
  }

  /** Rewrites a message's word-index row from its text (the vocabulary is untouched). */
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
