// A message's edit history (message_revisions: each row is the text an edit
// replaced, stamped with the edit's time and, when it has one, the edit's own
// remote id). Deleting an edit (Matrix: redacting the m.replace event) takes it
// out of the history: the text it replaced comes back when it was the latest.
import type { WriteDb } from './database.js';

interface RevisionRow {
  rowid: number;
  message_id: number;
  replaced_at: number;
  body: string;
  html: string | null;
}

export interface RevertedEdit {
  messageId: number;
  /** The text the message shows now, when reverting changed it. */
  shown: { body: string; html: string | null } | null;
}

export class EditHistory {
  private readonly stmts;

  constructor(db: WriteDb) {
    this.stmts = {
      record: db.prepare(
        `INSERT INTO message_revisions (message_id, replaced_at, body, html, edit_remote_id)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      byEdit: db.prepare(
        `SELECT r.rowid, r.message_id, r.replaced_at, r.body, r.html FROM message_revisions r
         JOIN messages m ON m.id = r.message_id
         WHERE m.account_id = ? AND r.edit_remote_id = ? AND m.deleted = 0`,
      ),
      editedTs: db.prepare(`SELECT edited_ts FROM messages WHERE id = ?`).pluck(),
      next: db.prepare(
        `SELECT rowid FROM message_revisions WHERE message_id = ? AND replaced_at > ?
         ORDER BY replaced_at LIMIT 1`,
      ),
      previousEdit: db
        .prepare(
          `SELECT max(replaced_at) FROM message_revisions WHERE message_id = ? AND rowid != ?`,
        )
        .pluck(),
      setShown: db.prepare(`UPDATE messages SET body = ?, html = ?, edited_ts = ? WHERE id = ?`),
      setText: db.prepare(`UPDATE message_revisions SET body = ?, html = ? WHERE rowid = ?`),
      remove: db.prepare(`DELETE FROM message_revisions WHERE rowid = ?`),
    };
  }

  record(
    messageId: number,
    editedTs: number,
    replaced: { body: string; html: string | null },
    editRemoteId: string | null,
  ): void {
    this.stmts.record.run(messageId, editedTs, replaced.body, replaced.html, editRemoteId);
  }

  /** Takes the edit with this remote id out of its message's history; null when none. */
  revert(accountId: number, editRemoteId: string): RevertedEdit | null {
    const r = this.stmts.byEdit.get(accountId, editRemoteId) as RevisionRow | undefined;
    if (!r) return null;
    const editedTs = this.stmts.editedTs.get(r.message_id) as number | null;
    if (editedTs === r.replaced_at) {
      // The latest edit: the text it replaced is shown again.
      const previous = this.stmts.previousEdit.get(r.message_id, r.rowid) as number | null;
      this.stmts.setShown.run(r.body, r.html, previous, r.message_id);
      this.stmts.remove.run(r.rowid);
      return { messageId: r.message_id, shown: { body: r.body, html: r.html } };
    }
    // An older edit: its text (held by the next revision) leaves the history.
    const next = this.stmts.next.get(r.message_id, r.replaced_at) as { rowid: number } | undefined;
    if (next) this.stmts.setText.run(r.body, r.html, next.rowid);
    this.stmts.remove.run(r.rowid);
    return { messageId: r.message_id, shown: null };
  }
}
