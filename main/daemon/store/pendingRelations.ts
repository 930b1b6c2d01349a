// Relations (edits, reactions, deletions) whose target message is not in the
// store yet. Backfill walks history newest first, so it meets an edit, a
// reaction or a redaction before the message it points at; a first sync or a
// gap fill can do the same. They wait here, in the database (so a restart
// keeps them), until the batch that stores the target applies and deletes
// them in its own transaction.
import * as z from 'zod';
import type { WriteDb } from './database.js';
import type { RemoteEdit, RemoteReaction } from '../model/types.js';

export type PendingRelation =
  | { kind: 'edit'; relation: RemoteEdit }
  | { kind: 'reaction'; relation: RemoteReaction }
  | { kind: 'deletion'; relation: { messageRemoteId: string } };

// The stored relation (payload_json), parsed when read back: a row that no
// longer parses is dropped rather than applied half-understood.
const optionalText = z.string().nullable().optional();
const StoredEdit = z.object({
  messageRemoteId: z.string(),
  body: z.string(),
  html: optionalText,
  editedTs: z.number(),
  senderRemoteId: optionalText,
  scope: optionalText,
  remoteId: optionalText,
}) satisfies z.ZodType<RemoteEdit>;
const StoredReaction = z.object({
  messageRemoteId: z.string(),
  senderRemoteId: z.string(),
  key: z.string(),
  ts: z.number(),
  remoteId: optionalText,
}) satisfies z.ZodType<RemoteReaction>;
const StoredDeletion = z.object({ messageRemoteId: z.string() });

/** The relation a row holds, or null when its payload no longer parses. */
function parseRelation(kind: string, payloadJson: string): PendingRelation | null {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadJson);
  } catch {
    return null;
  }
  if (kind === 'edit') {
    const r = StoredEdit.safeParse(payload);
    return r.success ? { kind, relation: r.data } : null;
  }
  if (kind === 'reaction') {
    const r = StoredReaction.safeParse(payload);
    return r.success ? { kind, relation: r.data } : null;
  }
  if (kind === 'deletion') {
    const r = StoredDeletion.safeParse(payload);
    return r.success ? { kind, relation: r.data } : null;
  }
  return null;
}

/**
 * A target that has not come in this long most likely never will (a deleted
 * mail, an edit of an edit, history beyond the backfill depth): the row goes.
 */
export const PENDING_RELATION_MAX_AGE_MS = 30 * 24 * 3600_000;

export class PendingRelations {
  private readonly stmts;

  constructor(db: WriteDb) {
    this.stmts = {
      keep: db.prepare(`
        INSERT OR IGNORE INTO pending_relations
          (account_id, target_remote_id, kind, relation_remote_id, payload_json, received_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      byReactionId: db.prepare(`
        SELECT id FROM pending_relations
        WHERE account_id = ? AND relation_remote_id = ? AND kind = 'reaction'`),
      any: db.prepare(`SELECT 1 FROM pending_relations WHERE account_id = ? LIMIT 1`).pluck(),
      forTarget: db.prepare(`
        SELECT id, kind, payload_json FROM pending_relations
        WHERE account_id = ? AND target_remote_id = ? ORDER BY id`),
      ofKind: db.prepare(`
        SELECT id, payload_json FROM pending_relations
        WHERE account_id = ? AND target_remote_id = ? AND kind = ?`),
      remove: db.prepare(`DELETE FROM pending_relations WHERE id = ?`),
      prune: db.prepare(`DELETE FROM pending_relations WHERE received_at < ?`),
    };
  }

  keep(accountId: number, pending: PendingRelation, now = Date.now()): void {
    this.stmts.keep.run(
      accountId,
      pending.relation.messageRemoteId,
      pending.kind,
      pending.kind === 'reaction' ? (pending.relation.remoteId ?? null) : null,
      JSON.stringify(pending.relation),
      now,
    );
  }

  /** Cheap check so a batch skips the per-message lookups when nothing waits. */
  any(accountId: number): boolean {
    return this.stmts.any.get(accountId) !== undefined;
  }

  /** Removes and returns what waited for `targetRemoteId`: edits oldest first, then the rest. */
  take(accountId: number, targetRemoteId: string): PendingRelation[] {
    const rows = this.stmts.forTarget.all(accountId, targetRemoteId) as {
      id: number;
      kind: string;
      payload_json: string;
    }[];
    const out: PendingRelation[] = [];
    for (const row of rows) {
      this.stmts.remove.run(row.id);
      const relation = parseRelation(row.kind, row.payload_json);
      if (relation) out.push(relation);
    }
    const order = { edit: 0, reaction: 1, deletion: 2 } as const;
    return out.sort(
      (a, b) =>
        order[a.kind] - order[b.kind] ||
        (a.kind === 'edit' && b.kind === 'edit' ? a.relation.editedTs - b.relation.editedTs : 0),
    );
  }

  /** A deletion waiting for `remoteId` (a reaction deleted before it arrived): taken if there. */
  takeDeletion(accountId: number, remoteId: string): boolean {
    const row = this.stmts.ofKind.get(accountId, remoteId, 'deletion') as
      { id: number } | undefined;
    if (!row) return false;
    this.stmts.remove.run(row.id);
    return true;
  }

  /**
   * Drops a waiting reaction: by its own remote id (it was deleted) or by what
   * it is (sender and key on a message; it was taken back). True when one went.
   */
  dropReaction(
    accountId: number,
    match: { remoteId: string } | { messageRemoteId: string; senderRemoteId: string; key: string },
  ): boolean {
    if ('remoteId' in match) {
      const row = this.stmts.byReactionId.get(accountId, match.remoteId) as
        { id: number } | undefined;
      if (!row) return false;
      this.stmts.remove.run(row.id);
      return true;
    }
    const rows = this.stmts.ofKind.all(accountId, match.messageRemoteId, 'reaction') as {
      id: number;
      payload_json: string;
    }[];
    for (const row of rows) {
      const r = parseRelation('reaction', row.payload_json)?.relation as RemoteReaction | undefined;
      if (r?.senderRemoteId === match.senderRemoteId && r.key === match.key) {
        this.stmts.remove.run(row.id);
        return true;
      }
    }
    return false;
  }

  /** Forgets relations older than the maximum age. */
  prune(now = Date.now()): number {
    return this.stmts.prune.run(now - PENDING_RELATION_MAX_AGE_MS).changes;
  }
}
