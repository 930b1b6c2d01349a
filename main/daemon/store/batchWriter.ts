// Applies a connector's SyncBatch to the store. Everything in a batch, and the
// cursors that produced it, commit in one transaction: a crash at any instant
// leaves the batch either wholly applied or absent, and replaying it upserts
// the same rows again (remote ids are unique per account).
import type { WriteDb } from './database.js';
import type {
  RemoteChat,
  RemoteEdit,
  RemoteMessage,
  RemotePerson,
  RemotePresence,
  RemoteReaction,
  RemoteSpace,
  SyncBatch,
} from '../model/types.js';
import { baseKey, preferredSlot, SLOTS_PER_MS } from './messageKey.js';
import { MessageIndex, type IndexedMessage } from './search/messageIndex.js';
import { PendingRelations, type PendingRelation } from './pendingRelations.js';
import { EditHistory, type RevertedEdit } from './editHistory.js';
import { ChangeRecord, type ChatChange } from './changeRecord.js';
import { ChatRows } from './chatRows.js';
import { LocalEcho } from './localEcho.js';
import { writeMailAddresses } from './mailHeaders.js';
import { removeSpace } from './spaces.js';

/**
 * A batch that contradicts itself or the store (a message for a chat nobody
 * announced): nothing of it is written. The sync loop reports it as the
 * server's malformed data, like a body that fails its schema.
 */
/**
 * Connector state as JSON. It may carry what a server sent, nested deeper
 * than JSON.stringify can recurse (a RangeError): the batch is refused
 * instead, like any other inconsistent one.
 */
function stateJson(key: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError)
      throw new InvalidBatchError(`connector state "${key.slice(0, 80)}" is nested too deeply`);
    throw err;
  }
}

export class InvalidBatchError extends Error {
  override name = 'InvalidBatchError';
}

export interface BatchResult {
  /** Local ids of messages inserted (new to the store). */
  insertedMessageIds: number[];
  /** Local ids of messages whose visible content changed. */
  updatedMessageIds: number[];
  /** Local chat ids touched by the batch (their chat list rows may have changed). */
  chatIds: number[];
  /** Per chat, the messages inserted or changed: what the daemon's events carry. */
  changes: ChatChange[];
  /** Ephemeral: who types where now (names resolved); for the `typing` event. */
  typing?: { chatId: number; personRemoteIds: string[]; names: string[] }[];
  /** Ephemeral: presence changes (names resolved); for the `presence` event. */
  presence?: (RemotePresence & { name: string })[];
  /** Chats where someone's read receipt moved (stored); for the `receipts.updated` event. */
  receiptChatIds?: number[];
}

/**
 * A connector's archive (`raw`) as JSON; null when there is none, or when it
 * nests too deeply to write (a hostile answer): the message is kept without it.
 */
const json = (v: unknown): string | null => {
  if (v === undefined) return null;
  try {
    return JSON.stringify(v);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
};
const flag = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);

/** What a batch touched, gathered while it applies (chat bookkeeping runs once at the end). */
interface Touched {
  result: BatchResult;
  chats: Set<number>;
  recount: Set<number>;
  stalePreviews: Set<number>;
  /**
   * Messages whose text an edit changed: their word index is rewritten once,
   * at the end of the batch. A batch may carry a message's whole edit history
   * (JMAP Chat), and rewriting an FTS row per edit costs more with each edit.
   */
  reindex: Set<number>;
  changes: ChangeRecord;
}

export class BatchWriter {
  private readonly index: MessageIndex;
  private readonly pending: PendingRelations;
  private readonly history: EditHistory;
  private readonly senderNames = new Map<string, string>();
  /** Where the next spill past a full millisecond may start; valid within one transaction. */
  private readonly spillHint = new Map<number, number>();
  private readonly stmts;
  /** The chat list's columns (last activity, preview, counts): shared with the outbox. */
  readonly chatRows: ChatRows;
  /** Local echoes: a synced copy of our own message adopts the echo's row. */
  readonly echoes: LocalEcho;

  constructor(private readonly db: WriteDb) {
    this.chatRows = new ChatRows(db);
    this.echoes = new LocalEcho(db, this.chatRows);
    this.index = new MessageIndex(db);
    this.pending = new PendingRelations(db);
    this.pending.prune();
    this.history = new EditHistory(db);
    this.stmts = {
      upsertSpace: db.prepare(`
        INSERT INTO spaces (account_id, remote_id, name, kind, role, parent_remote_id, raw_json)
        VALUES (@accountId, @remoteId, @name, @kind, @role, @parent, @raw)
        ON CONFLICT (account_id, remote_id) DO UPDATE SET
          name = excluded.name, kind = excluded.kind, role = excluded.role,
          parent_remote_id = excluded.parent_remote_id, raw_json = excluded.raw_json`),
      upsertPerson: db.prepare(`
        INSERT INTO people (account_id, remote_id, display_name, avatar_url, is_self, raw_json)
        VALUES (@accountId, @remoteId, @name, @avatar, @isSelf, @raw)
        ON CONFLICT (account_id, remote_id) DO UPDATE SET
          display_name = excluded.display_name, avatar_url = excluded.avatar_url,
          is_self = max(people.is_self, excluded.is_self), raw_json = excluded.raw_json`),
      // Local preferences (muted, pinned, archived) are overwritten by sync only
      // when the connector says the server's value changed (REST chat keeps them).
      upsertChat: db.prepare(`
        INSERT INTO chats (account_id, remote_id, space_remote_id, kind, name, topic, avatar_url,
                           server_unread_count, raw_json, encrypted, inviter_remote_id,
                           muted, archived, blocked)
        VALUES (@accountId, @remoteId, @space, @kind, @name, @topic, @avatar, @serverUnread, @raw,
                coalesce(@encrypted, 0), @inviter, coalesce(@muted, 0), coalesce(@archived, 0),
                coalesce(@blocked, 0))
        ON CONFLICT (account_id, remote_id) DO UPDATE SET
          space_remote_id = excluded.space_remote_id, kind = excluded.kind, name = excluded.name,
          topic = excluded.topic, avatar_url = excluded.avatar_url,
          server_unread_count = coalesce(excluded.server_unread_count, chats.server_unread_count),
          raw_json = excluded.raw_json, inviter_remote_id = excluded.inviter_remote_id,
          encrypted = coalesce(@encrypted, chats.encrypted),
          muted = coalesce(@muted, chats.muted), archived = coalesce(@archived, chats.archived),
          blocked = coalesce(@blocked, chats.blocked)
        RETURNING id`),
      chatId: db.prepare(`SELECT id FROM chats WHERE account_id = ? AND remote_id = ?`).pluck(),
      personId: db.prepare(`SELECT id FROM people WHERE account_id = ? AND remote_id = ?`).pluck(),
      personName: db
        .prepare(`SELECT display_name FROM people WHERE account_id = ? AND remote_id = ?`)
        .pluck(),
      selfIds: db
        .prepare(`SELECT remote_id FROM people WHERE account_id = ? AND is_self = 1`)
        .pluck(),
      upsertMember: db.prepare(`
        INSERT INTO chat_members (chat_id, person_id, membership, role) VALUES (?, ?, ?, ?)
        ON CONFLICT (chat_id, person_id) DO UPDATE SET membership = excluded.membership,
          role = excluded.role`),
      messageByRemote: db.prepare(
        `SELECT id, chat_id, body, html, subject, deleted, edited_ts, sender_remote_id, edit_scope,
           has_attachment FROM messages WHERE account_id = ? AND remote_id = ?`,
      ),
      messageById: db.prepare(
        `SELECT id, chat_id, body, html, subject, deleted, edited_ts, sender_remote_id, edit_scope,
           has_attachment FROM messages WHERE id = ?`,
      ),
      keyTaken: db.prepare(`SELECT 1 FROM messages WHERE id = ?`).pluck(),
      // The first key in [?, ?) after a taken one that is free: a walk of the
      // run of taken keys in rowid order, inside SQLite.
      firstFreeAfter: db
        .prepare(
          `SELECT m.id + 1 FROM messages m WHERE m.id >= ? AND m.id < ?
             AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.id = m.id + 1)
           ORDER BY m.id LIMIT 1`,
        )
        .pluck(),
      // What the word index holds of a message (search/messageIndex.ts).
      indexedMessage: db.prepare(
        `SELECT id, chat_id AS chatId, body, subject, sender_name AS sender,
           has_attachment = 1 AS hasAttachment, deleted FROM messages WHERE id = ?`,
      ),
      insertMessage: db.prepare(`
        INSERT INTO messages (id, account_id, chat_id, remote_id, sender_remote_id, sender_name, ts,
          kind, subject, body, html, reply_to_remote_id, thread_root_remote_id, edited_ts, deleted,
          has_attachment, mentions_self, from_self, idempotency_key, raw_json, edit_scope, notify,
          mail_starred, mail_draft, encryption_sender_device, encryption_trust)
        VALUES (@id, @accountId, @chatId, @remoteId, @sender, @senderName, @ts, @kind, @subject,
          @body, @html, @replyTo, @threadRoot, @editedTs, @deleted, @hasAttachment, @mentionsSelf,
          @fromSelf, @idempotencyKey, @raw, @editScope, @notify, @mailStarred, @mailDraft,
          @encryptionDevice, @encryptionTrust)`),
      updateMessage: db.prepare(`
        UPDATE messages SET remote_id = @remoteId, sender_remote_id = @sender,
          sender_name = @senderName, kind = @kind, subject = @subject, body = @body, html = @html,
          reply_to_remote_id = @replyTo, thread_root_remote_id = @threadRoot,
          edited_ts = @editedTs, deleted = @deleted, has_attachment = @hasAttachment,
          mentions_self = @mentionsSelf, raw_json = @raw,
          edit_scope = coalesce(@editScope, edit_scope), notify = coalesce(@notify, notify),
          mail_starred = @mailStarred, mail_draft = @mailDraft,
          encryption_sender_device = @encryptionDevice, encryption_trust = @encryptionTrust
        WHERE id = @id`),
      applyEdit: db.prepare(`UPDATE messages SET body = ?, html = ?, edited_ts = ? WHERE id = ?`),
      markDeleted: db.prepare(
        `UPDATE messages SET deleted = 1, body = '', html = NULL WHERE id = ?`,
      ),
      insertMention: db.prepare(
        `INSERT OR IGNORE INTO mentions (message_id, person_remote_id) VALUES (?, ?)`,
      ),
      insertAttachment: db.prepare(`
        INSERT INTO attachments (message_id, remote_id, name, mime, size, width, height, source_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (message_id, remote_id) DO UPDATE SET name = excluded.name,
          mime = excluded.mime, size = excluded.size, source_json = excluded.source_json`),
      addReaction: db.prepare(`
        INSERT INTO reactions (message_id, sender_remote_id, key, ts, remote_id) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (message_id, sender_remote_id, key) DO UPDATE SET
          remote_id = coalesce(excluded.remote_id, reactions.remote_id)`),
      removeReaction: db.prepare(
        `DELETE FROM reactions WHERE message_id = ? AND sender_remote_id = ? AND key = ?`,
      ),
      reactionByRemote: db
        .prepare(
          `SELECT r.message_id FROM reactions r JOIN messages m ON m.id = r.message_id
           WHERE m.account_id = ? AND r.remote_id = ?`,
        )
        .pluck(),
      removeReactionByRemote: db.prepare(
        `DELETE FROM reactions WHERE message_id = ? AND remote_id = ?`,
      ),
      messageIdByRemote: db
        .prepare(`SELECT id FROM messages WHERE account_id = ? AND remote_id = ?`)
        .pluck(),
      // A receipt counts as a change (receipts.updated) only when it moves.
      upsertReceipt: db.prepare(`
        INSERT INTO receipts (chat_id, person_remote_id, message_remote_id, ts) VALUES (?, ?, ?, ?)
        ON CONFLICT (chat_id, person_remote_id) DO UPDATE SET
          message_remote_id = excluded.message_remote_id, ts = excluded.ts
        WHERE excluded.ts > receipts.ts
          OR (excluded.ts = receipts.ts AND excluded.message_remote_id <> receipts.message_remote_id)`),
      removeChat: db.prepare(`DELETE FROM chats WHERE account_id = ? AND remote_id = ?`),
      setDraftText: db.prepare(`
        INSERT INTO drafts (chat_id, body, reply_to_message_id, updated_at) VALUES (?, ?, NULL, ?)
        ON CONFLICT (chat_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`),
      clearDraftText: db.prepare(`DELETE FROM drafts WHERE chat_id = ?`),
      // Per-chat streams are named `<name>:<chat remote id>`; they go with the chat.
      removeChatCursors: db.prepare(
        `DELETE FROM sync_cursors WHERE account_id = @accountId AND length(stream) > length(@rid)
           AND substr(stream, length(stream) - length(@rid)) = ':' || @rid`,
      ),
      chatMessageIds: db.prepare(`SELECT id FROM messages WHERE chat_id = ?`).pluck(),
      // A cleared chat's messages from the server (local echoes have no remote id yet).
      serverMessagesOfChat: db
        .prepare(`SELECT id, remote_id FROM messages WHERE chat_id = ? AND remote_id IS NOT NULL`)
        .raw(),
      // Its attachments, reactions, mentions, revisions and mail addresses go with it (cascade).
      removeMessage: db.prepare(`DELETE FROM messages WHERE id = ?`),
      chatsOfMessages: db
        .prepare(`SELECT id, chat_id FROM messages WHERE id IN (SELECT value FROM json_each(?))`)
        .raw(),
      setCursor: db.prepare(`
        INSERT INTO sync_cursors (account_id, stream, cursor, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (account_id, stream) DO UPDATE SET cursor = excluded.cursor,
          updated_at = excluded.updated_at`),
      getCursor: db
        .prepare(`SELECT cursor FROM sync_cursors WHERE account_id = ? AND stream = ?`)
        .pluck(),
    };
  }

  /** Applies the batch and its cursors atomically. */
  apply(accountId: number, batch: SyncBatch): BatchResult {
    return this.db
      .transaction(() => {
        this.spillHint.clear();
        try {
          return this.applyInTransaction(accountId, batch);
        } finally {
          this.spillHint.clear();
        }
      })
      .immediate();
  }

  cursor(accountId: number, stream: string): string | null {
    return (this.stmts.getCursor.get(accountId, stream) as string | null | undefined) ?? null;
  }

  /** The cursors of every stream whose name starts with `prefix` (per-chat streams like `backfill:`). */
  cursorsWithPrefix(accountId: number, prefix: string): string[] {
    return this.db
      .prepare(`SELECT cursor FROM sync_cursors WHERE account_id = ? AND substr(stream, 1, ?) = ?`)
      .pluck()
      .all(accountId, prefix.length, prefix) as string[];
  }

  private applyInTransaction(accountId: number, batch: SyncBatch): BatchResult {
    const result: BatchResult = {
      insertedMessageIds: [],
      updatedMessageIds: [],
      chatIds: [],
      changes: [],
    };
    const changes = new ChangeRecord();
    const touchedChats = new Set<number>();
    const recountChats = new Set<number>();
    const stalePreviews = new Set<number>();
    const touched: Touched = {
      result,
      chats: touchedChats,
      recount: recountChats,
      stalePreviews,
      reindex: new Set(),
      changes,
    };

    for (const s of batch.spaces ?? []) this.upsertSpace(accountId, s);
    for (const p of batch.people ?? []) this.upsertPerson(accountId, p);
    const chatIds = new Map<string, number>();
    for (const c of batch.chats ?? []) {
      const id = this.upsertChat(accountId, c);
      chatIds.set(c.remoteId, id);
      touchedChats.add(id);
    }
    const chatIdOf = (remoteId: string): number | undefined => {
      let id = chatIds.get(remoteId);
      if (id === undefined) {
        id = this.stmts.chatId.get(accountId, remoteId) as number | undefined;
        if (id !== undefined) chatIds.set(remoteId, id);
      }
      return id;
    };

    for (const m of batch.members ?? []) {
      const chatId = chatIdOf(m.chatRemoteId);
      const personId = this.stmts.personId.get(accountId, m.personRemoteId) as number | undefined;
      if (chatId !== undefined && personId !== undefined)
        this.stmts.upsertMember.run(chatId, personId, m.membership, m.role ?? null);
    }

    for (const c of batch.clearedChats ?? []) {
      const chatId = chatIdOf(c.chatRemoteId);
      if (chatId === undefined) continue;
      const newer = new Set(
        (batch.messages ?? [])
          .filter((m) => m.chatRemoteId === c.chatRemoteId)
          .map((m) => m.remoteId),
      );
      this.clearChat(chatId, newer, touched);
    }

    if (batch.messages?.length) {
      const selfIds = new Set(this.stmts.selfIds.all(accountId) as string[]);
      // Per-chat bookkeeping is summed over the batch and written once per chat.
      const perChat = new Map<
        number,
        {
          readUpto: number;
          newest: { id: number; ts: number; body: string } | null;
          unread: number;
          mentions: number;
        }
      >();
      // In key (time) order: FTS5 appends rowids in order far faster than it
      // inserts them out of order (backfill arrives newest first).
      const ordered = [...batch.messages].sort((a, b) => a.ts - b.ts);
      const messageChats = new Set<number>();
      this.senderNames.clear();
      for (const m of ordered) {
        const chatId = chatIdOf(m.chatRemoteId);
        if (chatId === undefined) {
          throw new InvalidBatchError(`a message for an unknown chat (${m.chatRemoteId})`);
        }
        const outcome = this.upsertMessage(accountId, chatId, m, selfIds);
        touchedChats.add(chatId);
        messageChats.add(chatId);
        if (outcome.kind === 'inserted') {
          result.insertedMessageIds.push(outcome.id);
          changes.message(outcome.id, chatId);
          let chat = perChat.get(chatId);
          if (!chat) {
            const readUpto = this.chatRows.readUpto(chatId);
            perChat.set(chatId, (chat = { readUpto, newest: null, unread: 0, mentions: 0 }));
          }
          if (!chat.newest || outcome.id > chat.newest.id)
            chat.newest = { id: outcome.id, ts: m.ts, body: m.deleted ? '' : m.body };
          // A deleted newest message previews the one before it.
          if (m.deleted && chat.newest.id === outcome.id) stalePreviews.add(chatId);
          if (!outcome.fromSelf && !m.deleted && outcome.id > chat.readUpto) {
            chat.unread++;
            if (m.mentionsSelf) chat.mentions++;
          }
        } else if (outcome.kind === 'updated') {
          result.updatedMessageIds.push(outcome.id);
          changes.message(outcome.id, chatId);
          stalePreviews.add(chatId);
        }
      }
      for (const [chatId, chat] of perChat) {
        this.chatRows.newestMessage(chatId, chat.newest!);
        this.chatRows.addUnread(chatId, chat.unread, chat.mentions);
      }
      // Relations that arrived before these messages apply now, in this transaction.
      if (this.pending.any(accountId))
        for (const m of ordered)
          for (const p of this.pending.take(accountId, m.remoteId))
            this.applyRelation(accountId, p, touched);
      // So do read positions that named one of them (before this batch's own positions, which are newer).
      if (this.chatRows.held.any())
        for (const chatId of messageChats) this.applyHeldReadPosition(accountId, chatId, touched);
    }

    for (const e of batch.edits ?? [])
      this.applyRelation(accountId, { kind: 'edit', relation: e }, touched);
    for (const d of batch.deletions ?? [])
      this.applyRelation(accountId, { kind: 'deletion', relation: d }, touched);
    for (const r of batch.reactionsAdded ?? [])
      this.applyRelation(accountId, { kind: 'reaction', relation: r }, touched);
    for (const r of batch.reactionsRemoved ?? []) {
      const id = this.stmts.messageIdByRemote.get(accountId, r.messageRemoteId) as
        number | undefined;
      if (id === undefined) {
        // Taken back before its message arrived: it must not apply when it does.
        this.pending.dropReaction(accountId, r);
        continue;
      }
      this.stmts.removeReaction.run(id, r.senderRemoteId, r.key);
      result.updatedMessageIds.push(id);
      changes.message(id);
    }

    let anyHeld = batch.readPositions?.length ? this.chatRows.held.any() : false;
    for (const rp of batch.readPositions ?? []) {
      const chatId = chatIdOf(rp.chatRemoteId);
      if (chatId === undefined) continue;
      const exact = rp.exact === true;
      const remoteId = rp.messageRemoteId;
      const id =
        remoteId === null
          ? 0
          : (this.stmts.messageIdByRemote.get(accountId, remoteId) as number | undefined);
      if (id === undefined) {
        // Its message is not here yet: it applies in the batch that brings it.
        this.chatRows.held.hold(chatId, { messageRemoteId: remoteId!, exact });
        anyHeld = true;
        continue;
      }
      // A position held before this one: an exact one here is all of the read
      // state, so the held one is stale; a forward-only one leaves it to apply
      // (it may be further on) but never to move back past this one.
      if (anyHeld) {
        if (exact) this.chatRows.held.drop(chatId);
        else this.chatRows.held.loosen(chatId);
      }
      if (this.moveReadPosition(chatId, id, exact)) {
        touchedChats.add(chatId);
        recountChats.add(chatId);
      }
    }

    for (const id of touched.reindex) {
      const row = this.indexedMessage(id);
      // A deletion later in the batch already took it out of the index.
      if (row && !row.deleted) this.index.replace(row);
    }

    // A draft saved on another device: its text replaces ours (the reply target stays);
    // one cleared there (sent) clears ours.
    for (const d of batch.drafts ?? []) {
      const chatId = chatIdOf(d.chatRemoteId);
      if (chatId === undefined) continue;
      if (d.body === '') this.stmts.clearDraftText.run(chatId);
      else this.stmts.setDraftText.run(chatId, d.body, Date.now());
    }

    for (const chatId of recountChats) this.chatRows.recount(chatId);
    for (const chatId of stalePreviews) this.chatRows.refreshPreview(chatId);

    const receiptChats = new Set<number>();
    for (const r of batch.receipts ?? []) {
      const chatId = chatIdOf(r.chatRemoteId);
      if (chatId === undefined) continue;
      if (this.stmts.upsertReceipt.run(chatId, r.personRemoteId, r.messageRemoteId, r.ts).changes) {
        touchedChats.add(chatId);
        receiptChats.add(chatId);
      }
    }
    if (receiptChats.size > 0) result.receiptChatIds = [...receiptChats];
    const nameOf = (remoteId: string) =>
      (this.stmts.personName.get(accountId, remoteId) as string | undefined) ?? remoteId;
    for (const t of batch.typing ?? []) {
      const chatId = chatIdOf(t.chatRemoteId);
      if (chatId === undefined) continue;
      (result.typing ??= []).push({
        chatId,
        personRemoteIds: t.personRemoteIds,
        names: t.personRemoteIds.map(nameOf),
      });
    }
    for (const p of batch.presence ?? [])
      (result.presence ??= []).push({ ...p, name: nameOf(p.personRemoteId) });

    for (const remoteId of batch.removedChats ?? []) {
      const chatId = chatIdOf(remoteId);
      if (chatId === undefined) continue;
      for (const id of this.stmts.chatMessageIds.all(chatId) as number[]) this.index.remove(id);
      this.stmts.removeChat.run(accountId, remoteId);
      this.stmts.removeChatCursors.run({ accountId, rid: remoteId });
      touchedChats.delete(chatId);
      changes.dropChat(chatId);
    }
    for (const remoteId of batch.removedSpaces ?? [])
      for (const chatId of removeSpace(this.db, accountId, remoteId)) touchedChats.add(chatId);

    const now = Date.now();
    for (const [stream, cursor] of Object.entries(batch.cursors ?? {}))
      this.stmts.setCursor.run(accountId, stream, cursor, now);
    // Connector state (ctx.state) lives beside the cursors, as JSON.
    for (const [key, value] of Object.entries(batch.state ?? {}))
      this.stmts.setCursor.run(accountId, key, value == null ? null : stateJson(key, value), now);

    result.chatIds = [...touchedChats];
    result.changes = changes.perChat((ids) => this.chatsOfMessages(ids));
    return result;
  }

  /**
   * Moves the user's read position to a stored message (0: nothing read):
   * forward only, or exactly (RemoteReadPosition.exact). True when it may have moved.
   */
  private moveReadPosition(chatId: number, messageId: number, exact: boolean): boolean {
    if (exact) return this.chatRows.readExactly(chatId, messageId);
    this.chatRows.readUpTo(chatId, messageId);
    return true;
  }

  /** The chat's held read position, applied (and no longer held) when its message is stored now. */
  private applyHeldReadPosition(accountId: number, chatId: number, t: Touched): void {
    const held = this.chatRows.held.get(chatId);
    if (!held) return;
    const id = this.stmts.messageIdByRemote.get(accountId, held.messageRemoteId) as
      number | undefined;
    if (id === undefined) return;
    this.chatRows.held.drop(chatId);
    if (this.moveReadPosition(chatId, id, held.exact)) {
      t.chats.add(chatId);
      t.recount.add(chatId);
    }
  }

  /**
   * A chat the server cleared: its messages from the server go, except
   * `newer` (remote ids this batch brings). Removed, not marked deleted: the
   * server shows no trace of them either. The change record names them, so a
   * shown timeline drops them (messages.removed).
   */
  private clearChat(chatId: number, newer: Set<string>, t: Touched): void {
    let removed = false;
    const rows = this.stmts.serverMessagesOfChat.all(chatId) as [number, string][];
    for (const [id, remoteId] of rows) {
      if (newer.has(remoteId)) continue;
      this.index.remove(id);
      this.stmts.removeMessage.run(id);
      t.changes.message(id, chatId);
      removed = true;
    }
    if (!removed) return;
    this.chatRows.lastMessageRemoved(chatId);
    t.chats.add(chatId);
    t.recount.add(chatId);
  }

  /** An edit, deletion or added reaction: applied when its target is here, else kept for later. */
  private applyRelation(accountId: number, p: PendingRelation, t: Touched): void {
    if (p.kind === 'edit') this.applyEdit(accountId, p.relation, t);
    else if (p.kind === 'deletion') this.applyDeletion(accountId, p.relation.messageRemoteId, t);
    else this.addReaction(accountId, p.relation, t);
  }

  private applyEdit(accountId: number, e: RemoteEdit, t: Touched): void {
    // Deleted before it arrived (a deletion waits under the edit's own id).
    if (e.remoteId && this.pending.takeDeletion(accountId, e.remoteId)) return;
    const row = this.stmts.messageByRemote.get(accountId, e.messageRemoteId) as
      MessageRow | undefined;
    if (!row) return this.pending.keep(accountId, { kind: 'edit', relation: e });
    if (!editApplies(row, e)) return;
    this.history.record(row.id, e.editedTs, row, e.remoteId ?? null);
    this.stmts.applyEdit.run(e.body, e.html ?? null, e.editedTs, row.id);
    t.reindex.add(row.id);
    t.result.updatedMessageIds.push(row.id);
    t.changes.message(row.id, row.chat_id);
    t.chats.add(row.chat_id);
    t.stalePreviews.add(row.chat_id);
  }

  private applyDeletion(accountId: number, remoteId: string, t: Touched): void {
    const row = this.stmts.messageByRemote.get(accountId, remoteId) as MessageRow | undefined;
    if (!row) {
      // Some protocols (Matrix) remove a reaction by deleting the reaction's own event.
      const reacted = this.stmts.reactionByRemote.get(accountId, remoteId) as number | undefined;
      if (reacted !== undefined) {
        this.stmts.removeReactionByRemote.run(reacted, remoteId);
        t.result.updatedMessageIds.push(reacted);
        t.changes.message(reacted);
        return;
      }
      if (this.pending.dropReaction(accountId, { remoteId })) return;
      // Some (Matrix) delete an edit by deleting the edit's own event: it is reverted.
      const reverted = this.history.revert(accountId, remoteId);
      if (reverted) return this.revertedEdit(reverted, t);
      // Its message or reaction may still come (backfill meets the deletion first).
      return this.pending.keep(accountId, {
        kind: 'deletion',
        relation: { messageRemoteId: remoteId },
      });
    }
    if (row.deleted) return;
    this.stmts.markDeleted.run(row.id);
    this.index.remove(row.id);
    t.result.updatedMessageIds.push(row.id);
    t.changes.message(row.id, row.chat_id);
    t.chats.add(row.chat_id);
    t.stalePreviews.add(row.chat_id);
    t.recount.add(row.chat_id);
  }

  private revertedEdit(reverted: RevertedEdit, t: Touched): void {
    const { messageId, shown } = reverted;
    t.result.updatedMessageIds.push(messageId);
    if (!shown) return t.changes.message(messageId);
    const row = this.indexedMessage(messageId)!;
    t.changes.message(messageId, row.chatId);
    this.index.replace({ ...row, body: shown.body });
    t.chats.add(row.chatId);
    t.stalePreviews.add(row.chatId);
  }

  private addReaction(accountId: number, r: RemoteReaction, t: Touched): void {
    // Deleted before it arrived (a deletion waits under the reaction's own id).
    if (r.remoteId && this.pending.takeDeletion(accountId, r.remoteId)) return;
    const id = this.stmts.messageIdByRemote.get(accountId, r.messageRemoteId) as number | undefined;
    if (id === undefined) return this.pending.keep(accountId, { kind: 'reaction', relation: r });
    this.stmts.addReaction.run(id, r.senderRemoteId, r.key, r.ts, r.remoteId ?? null);
    t.result.updatedMessageIds.push(id);
    t.changes.message(id);
  }

  /** The chat of each stored message among `ids`. */
  private chatsOfMessages(ids: number[]): Map<number, number> {
    return new Map(this.stmts.chatsOfMessages.all(JSON.stringify(ids)) as [number, number][]);
  }

  private upsertSpace(accountId: number, s: RemoteSpace): void {
    this.stmts.upsertSpace.run({
      accountId,
      remoteId: s.remoteId,
      name: s.name,
      kind: s.kind ?? 'space',
      role: s.role ?? null,
      parent: s.parentRemoteId ?? null,
      raw: json(s.raw),
    });
  }

  private upsertPerson(accountId: number, p: RemotePerson): void {
    this.stmts.upsertPerson.run({
      accountId,
      remoteId: p.remoteId,
      name: p.displayName,
      avatar: p.avatarUrl ?? null,
      isSelf: p.isSelf ? 1 : 0,
      raw: json(p.raw),
    });
  }

  private upsertChat(accountId: number, c: RemoteChat): number {
    const row = this.stmts.upsertChat.get({
      accountId,
      remoteId: c.remoteId,
      space: c.spaceRemoteId ?? null,
      kind: c.kind,
      name: c.name,
      topic: c.topic ?? null,
      avatar: c.avatarUrl ?? null,
      serverUnread: c.unreadCount ?? null,
      raw: json(c.raw),
      encrypted: c.encrypted === undefined ? null : c.encrypted ? 1 : 0,
      inviter: c.inviterRemoteId ?? null,
      muted: flag(c.muted),
      archived: flag(c.archived),
      blocked: flag(c.blocked),
    }) as { id: number };
    return row.id;
  }

  private indexedMessage(messageId: number): (IndexedMessage & { deleted: number }) | undefined {
    const row = this.stmts.indexedMessage.get(messageId) as
      | (Omit<IndexedMessage, 'hasAttachment'> & { hasAttachment: number; deleted: number })
      | undefined;
    return row && { ...row, hasAttachment: row.hasAttachment === 1 };
  }

  /** A sender's display name, looked up once per batch. */
  private senderName(accountId: number, remoteId: string): string {
    let name = this.senderNames.get(remoteId);
    if (name === undefined) {
      name = (this.stmts.personName.get(accountId, remoteId) as string | undefined) ?? remoteId;
      this.senderNames.set(remoteId, name);
    }
    return name;
  }

  private upsertMessage(
    accountId: number,
    chatId: number,
    m: RemoteMessage,
    selfIds: Set<string>,
  ):
    | { kind: 'inserted'; id: number; fromSelf: boolean }
    | { kind: 'updated' | 'unchanged'; id: number } {
    const senderName =
      m.senderName ?? (m.senderRemoteId ? this.senderName(accountId, m.senderRemoteId) : '');
    let existing = this.stmts.messageByRemote.get(accountId, m.remoteId) as MessageRow | undefined;
    // The server's copy of our own local echo: adopt the echo row.
    let idempotencyKey = m.idempotencyKey ?? null;
    if (!existing && idempotencyKey) {
      const echo = this.echoes.waiting(accountId, idempotencyKey);
      if (echo !== undefined) existing = this.stmts.messageById.get(echo) as MessageRow;
      // Another message already holds this key: this one is not ours to adopt.
      else if (this.echoes.find(accountId, idempotencyKey) !== undefined) idempotencyKey = null;
    }
    const attachments = m.attachments ?? [];
    const params = {
      accountId,
      chatId,
      remoteId: m.remoteId,
      sender: m.senderRemoteId,
      senderName,
      ts: m.ts,
      kind: m.kind,
      subject: m.subject ?? null,
      body: m.deleted ? '' : m.body,
      html: m.deleted ? null : (m.html ?? null),
      replyTo: m.replyToRemoteId ?? null,
      threadRoot: m.threadRootRemoteId ?? null,
      editedTs: m.editedTs ?? null,
      deleted: m.deleted ? 1 : 0,
      hasAttachment: attachments.length > 0 ? 1 : 0,
      mentionsSelf: m.mentionsSelf ? 1 : 0,
      fromSelf: m.senderRemoteId !== null && selfIds.has(m.senderRemoteId) ? 1 : 0,
      idempotencyKey,
      raw: json(m.raw),
      editScope: m.editScope ?? null,
      notify: m.notify == null ? null : m.notify ? 1 : 0,
      mailStarred: flag(m.mail?.flagged),
      mailDraft: flag(m.mail?.draft),
      encryptionDevice: m.encryption?.senderDevice ?? null,
      encryptionTrust: m.encryption?.trust ?? null,
    };

    if (existing) {
      const changed =
        existing.body !== params.body ||
        existing.html !== params.html ||
        existing.subject !== params.subject ||
        existing.deleted !== params.deleted ||
        existing.edited_ts !== params.editedTs;
      this.stmts.updateMessage.run({ ...params, id: existing.id });
      // has:attachment searches by the word index's scope token (search/scopeTokens.ts).
      if (changed || existing.has_attachment !== params.hasAttachment) {
        if (params.deleted) this.index.remove(existing.id);
        else
          this.index.replace({
            id: existing.id,
            chatId: existing.chat_id,
            body: params.body,
            subject: params.subject,
            sender: senderName,
            hasAttachment: params.hasAttachment === 1,
          });
      }
      this.writeAttachmentsAndMentions(existing.id, m);
      return { kind: changed ? 'updated' : 'unchanged', id: existing.id };
    }

    const id = this.freeKey(m.ts, m.remoteId);
    this.stmts.insertMessage.run({ ...params, id });
    if (!params.deleted)
      this.index.add({
        id,
        chatId,
        body: params.body,
        subject: params.subject,
        sender: senderName,
        hasAttachment: params.hasAttachment === 1,
      });
    this.writeAttachmentsAndMentions(id, m);
    return { kind: 'inserted', id, fromSelf: params.fromSelf === 1 };
  }

  /** The message's attachments, mentions and mail addresses. */
  private writeAttachmentsAndMentions(id: number, m: RemoteMessage): void {
    for (const a of m.attachments ?? [])
      this.stmts.insertAttachment.run(
        id,
        a.remoteId,
        a.name,
        a.mime,
        a.size,
        a.width ?? null,
        a.height ?? null,
        a.source ?? null,
      );
    // The server's copy of a local echo with a file: the bytes we sent are the bytes it holds.
    if (m.idempotencyKey && m.attachments?.length) this.echoes.adoptAttachments(id);
    for (const p of m.mentionRemoteIds ?? []) this.stmts.insertMention.run(id, p);
    if (m.mail) writeMailAddresses(this.db, id, m.mail);
  }

  /**
   * A key no other message holds, for a new message at `ts`: its preferred
   * slot (a hash of `seed`, so a message keeps its key across stores), else
   * the next free slot of its millisecond, else the first free key after it.
   * A millisecond holds 1,024 keys; more messages in one (a mail import whose
   * mails share a receivedAt second, a burst of bridged events) spill into the
   * following milliseconds' free keys, in arrival order. Rowid order stays
   * time order except that a spilled message may sort after a message of
   * those few following milliseconds; `messages.ts` keeps the true time.
   * Replays never come here: they find their row by remote id.
   */
  freeKey(ts: number, seed: string): number {
    const base = baseKey(ts);
    const preferred = base + preferredSlot(seed);
    if (!this.stmts.keyTaken.get(preferred)) return preferred;
    const end = base + SLOTS_PER_MS;
    const later = this.stmts.firstFreeAfter.get(preferred, end - 1) as number | undefined;
    if (later !== undefined) return later;
    if (!this.stmts.keyTaken.get(base)) return base;
    const earlier = this.stmts.firstFreeAfter.get(base, preferred - 1) as number | undefined;
    if (earlier !== undefined) return earlier;
    return this.spillKey(end);
  }

  /** The first free key at or after `from`, remembered per transaction for bulk spills. */
  private spillKey(from: number): number {
    const start = Math.max(from, this.spillHint.get(from) ?? from);
    let key = start;
    if (this.stmts.keyTaken.get(key))
      key = this.stmts.firstFreeAfter.get(key, Number.MAX_SAFE_INTEGER) as number;
    // Keys below `key` are taken; ones this transaction inserts stay taken.
    if (this.db.inTransaction) this.spillHint.set(from, key + 1);
    return key;
  }
}

interface MessageRow {
  id: number;
  chat_id: number;
  body: string;
  html: string | null;
  subject: string | null;
  deleted: number;
  edited_ts: number | null;
  sender_remote_id: string | null;
  edit_scope: string | null;
  has_attachment: number;
}

/**
 * Whether an edit may replace a message's text: the newest edit wins, a
 * deleted message stays deleted, only its own sender edits it, and the
 * connector's scope (when both sides have one) must match.
 */
function editApplies(row: MessageRow, e: RemoteEdit): boolean {
  if (row.deleted) return false;
  if (row.edited_ts !== null && row.edited_ts >= e.editedTs) return false;
  if (e.senderRemoteId != null && e.senderRemoteId !== row.sender_remote_id) return false;
  if (e.scope != null && row.edit_scope !== null && e.scope !== row.edit_scope) return false;
  return true;
}
