// Rewrites word-index rows queued by a migration in small transactions,
// oldest key first, the way TrigramIndexer fills the substring index. The
// daemon runs them between other work. Two queues, one per reason, because a
// search depends on each differently:
// - word_backlog (migration 007: CJK text indexed before runs also held their
//   last character): a search touching CJK says it is partial until it is empty;
// - scope_backlog (migration 013: rows indexed before the scope tokens of
//   search/scopeTokens.ts): in: and has:attachment use the tokens only once it
//   is empty, and check rows as before until then.
// Rewriting a row for either reason writes all of it, so it serves both.
import type { WriteDb } from '../database.js';
import { MessageIndex } from './messageIndex.js';

export type ReindexBacklog = 'word_backlog' | 'scope_backlog';

export class WordReindexer {
  private readonly index: MessageIndex;
  private readonly next;
  private readonly unqueue;
  private readonly clear;
  private readonly pending;
  private readonly any;

  constructor(
    private readonly db: WriteDb,
    backlog: ReindexBacklog = 'word_backlog',
  ) {
    this.index = new MessageIndex(db);
    this.next = db.prepare(`
      SELECT b.id, m.chat_id, m.body, m.subject, m.sender_name, m.has_attachment FROM ${backlog} b
      JOIN messages m ON m.id = b.id AND m.deleted = 0
      ORDER BY b.id LIMIT ?`);
    this.unqueue = db.prepare(`DELETE FROM ${backlog} WHERE id <= ?`);
    this.clear = db.prepare(`DELETE FROM ${backlog}`);
    this.pending = db.prepare(`SELECT count(*) FROM ${backlog}`).pluck();
    this.any = db.prepare(`SELECT 1 FROM ${backlog} LIMIT 1`).pluck();
  }

  /** Reindexes up to `limit` queued messages in one transaction; returns how many. */
  drain(limit = 500): number {
    // Nearly always empty (the daemon asks after every batch): no write transaction then.
    if (this.any.get() === undefined) return 0;
    return this.db
      .transaction(() => {
        type Row = {
          id: number;
          chat_id: number;
          body: string;
          subject: string | null;
          sender_name: string;
          has_attachment: number;
        };
        const rows = this.next.all(limit) as Row[];
        for (const r of rows)
          this.index.reindexWords({
            id: r.id,
            chatId: r.chat_id,
            body: r.body,
            subject: r.subject,
            sender: r.sender_name,
            hasAttachment: r.has_attachment === 1,
          });
        // Deleted messages never join, so everything up to the last id is done.
        if (rows.length > 0) this.unqueue.run(rows[rows.length - 1]!.id);
        else this.clear.run();
        return rows.length;
      })
      .immediate();
  }

  backlog(): number {
    return this.pending.get() as number;
  }
}
