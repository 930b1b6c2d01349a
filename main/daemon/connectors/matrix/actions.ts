// Writes: the outbox operations Matrix handles (each event sent with the
// outbox key as txnId, so a retry is the same event), and the direct calls
// (typing, presence). Content into an encrypted room goes out encrypted
// (encryption.ts), or not at all.
import * as z from 'zod';
import type { ConnectorContext, WriteResult } from '../connector.js';
import type { OperationTable } from '../operations.js';
import type { OpOf } from '../../model/ops.js';
import { C, chosenPresence, presenceKey, type MatrixAccount, type Presence } from './account.js';
import { enc, MatrixHttpError } from './transport.js';
import { eventIdSchema, relationsSchema } from './wire.js';
import type { ReactionRef } from './mapping/common.js';
import { loadRoomInfo } from './syncMapper.js';
import { createRoom, joinRoom, leaveRoom, memberAction, type RoomWriter } from './rooms.js';
import { attachmentContent, upload } from './media.js';
import { encryptedAttachmentContent } from './encryptedMedia.js';
import { eventForRoom, roomEncryption } from './encryption.js';
import { accountCrypto } from './account.js';
import { EncryptionUnavailableError } from '../errors.js';
import { threadRelation } from './threads.js';

/**
 * Sends one room event with the idempotency key as its txnId, encrypted when
 * the room is. A retry after a lost answer sends other ciphertext under the
 * same txnId, and the server answers with the first event: still one message.
 */
async function put(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  key: string,
  type: string,
  content: Record<string, unknown>,
): Promise<string> {
  const ev = await eventForRoom(ctx, a, roomId, type, content);
  const path = `${C}/rooms/${enc(roomId)}/send/${enc(ev.type)}/${enc(key)}`;
  const res = await a.transport.json('PUT', path, eventIdSchema, {
    body: ev.content,
    signal: ctx.signal,
  });
  return res.event_id;
}

const rooms = (ctx: ConnectorContext, a: MatrixAccount): RoomWriter => ({
  transport: a.transport,
  userId: a.session.userId,
  signal: ctx.signal,
  created: a.created,
});

const replyTo = (eventId: string | null | undefined) =>
  eventId ? { 'm.in_reply_to': { event_id: eventId } } : null;

/**
 * An m.text content: the body, the HTML as org.matrix.custom.html when there is
 * one, and m.mentions (always present, so receivers use it instead of
 * searching the body for names: an empty list mentions nobody).
 */
export function textContent(
  body: string,
  html: string | null | undefined,
  mentions: readonly string[] | undefined,
): Record<string, unknown> {
  const content: Record<string, unknown> = { msgtype: 'm.text', body };
  if (html) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = html;
  }
  content['m.mentions'] = { user_ids: [...new Set(mentions ?? [])] };
  return content;
}

export const matrixOperations = {
  send: async (a, op, key, ctx) => {
    const content = textContent(op.body, op.html, op.mentions);
    const relation = op.threadRootRemoteId
      ? await threadRelation(
          a.transport,
          op.chatRemoteId,
          op.threadRootRemoteId,
          op.replyToRemoteId ?? null,
          ctx.signal,
        )
      : replyTo(op.replyToRemoteId);
    if (relation) content['m.relates_to'] = relation;
    return { remoteId: await put(ctx, a, op.chatRemoteId, key, 'm.room.message', content) };
  },
  edit: async (a, op, key, ctx) => {
    // The fallback for clients without edits is "* text"; m.mentions stays empty at the
    // top level so an edit notifies nobody again (the spec's rule for replacements).
    const fallback = textContent(`* ${op.body}`, op.html ? `* ${op.html}` : null, []);
    const content = {
      ...fallback,
      'm.new_content': textContent(op.body, op.html, op.mentions),
      'm.relates_to': { rel_type: 'm.replace', event_id: op.messageRemoteId },
    };
    return { remoteId: await put(ctx, a, op.chatRemoteId, key, 'm.room.message', content) };
  },
  react: async (a, op, key, ctx): Promise<WriteResult> => {
    if (op.remove) {
      const reactionId = await findOwnReaction(ctx, a, op.chatRemoteId, op.messageRemoteId, op.key);
      if (reactionId) await redact(ctx, a, op.chatRemoteId, reactionId, key);
      return {};
    }
    try {
      const eventId = await put(ctx, a, op.chatRemoteId, key, 'm.reaction', {
        'm.relates_to': { rel_type: 'm.annotation', event_id: op.messageRemoteId, key: op.key },
      });
      a.mapping.reactions.set(eventId, {
        roomId: op.chatRemoteId,
        target: op.messageRemoteId,
        sender: a.session.userId,
        key: op.key,
      });
      return { remoteId: eventId };
    } catch (err) {
      // Already reacted with that key: the state the user wants is there.
      if (err instanceof MatrixHttpError && err.errcode === 'M_DUPLICATE_ANNOTATION') return {};
      throw err;
    }
  },
  delete: async (a, op, key, ctx) => {
    await redact(ctx, a, op.chatRemoteId, op.messageRemoteId, key);
    return {};
  },
  read: async (a, op, _key, ctx) => {
    await a.transport.json('POST', `${C}/rooms/${enc(op.chatRemoteId)}/read_markers`, z.unknown(), {
      signal: ctx.signal,
      body: { 'm.fully_read': op.messageRemoteId, 'm.read': op.messageRemoteId },
    });
    return {};
  },
  sendAttachment: async (a, op, key, ctx) => {
    const content = { ...(await uploadedAttachment(ctx, a, op, key)) };
    const relation = replyTo(op.replyToRemoteId);
    if (relation) content['m.relates_to'] = relation;
    const eventId = await put(ctx, a, op.chatRemoteId, key, 'm.room.message', content);
    a.uploads.delete(key);
    a.encryptedUploads.delete(key);
    return { remoteId: eventId };
  },
  chatCreate: (a, op, key, ctx) => createRoom(rooms(ctx, a), op, key),
  chatJoin: (a, op, _key, ctx) => {
    // Accepting an invitation meant as a direct chat: m.direct learns the room.
    const info = loadRoomInfo(ctx, op.chatRemoteId);
    const directWith =
      info?.membership === 'invite' && info.directInvite ? (info.inviter ?? null) : null;
    return joinRoom(rooms(ctx, a), op.chatRemoteId, directWith);
  },
  chatLeave: async (a, op, _key, ctx) => {
    await leaveRoom(rooms(ctx, a), op.chatRemoteId, op.forget === true);
    return {};
  },
  chatMember: async (a, op, _key, ctx) => {
    await memberAction(rooms(ctx, a), op);
    return {};
  },
} satisfies OperationTable<MatrixAccount>;

/**
 * The attachment's content, uploaded once per outbox entry (a retry reuses
 * it): in an encrypted room the file is encrypted before it leaves (never
 * uploaded in the clear, and refused when this account cannot encrypt).
 */
async function uploadedAttachment(
  ctx: ConnectorContext,
  a: MatrixAccount,
  op: OpOf<'sendAttachment'>,
  key: string,
): Promise<Record<string, unknown>> {
  const known = a.encryptedUploads.get(key);
  if (known) return known;
  const encrypted =
    (await roomEncryption(a.transport, op.chatRemoteId, ctx.signal)) !== null ||
    loadRoomInfo(ctx, op.chatRemoteId)?.encrypted === true;
  if (encrypted) {
    if (!(await accountCrypto(ctx, a))) throw new EncryptionUnavailableError();
    const content = await encryptedAttachmentContent(ctx, a.transport, op.attachment, op.body);
    a.encryptedUploads.set(key, content);
    return content;
  }
  let url = a.uploads.get(key);
  if (!url) {
    url = await upload(ctx, a.transport, op.attachment);
    a.uploads.set(key, url);
  }
  return attachmentContent(op.attachment, url, op.body);
}

export async function setTyping(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  typing: boolean,
): Promise<void> {
  await a.transport.json(
    'PUT',
    `${C}/rooms/${enc(roomId)}/typing/${enc(a.session.userId)}`,
    z.unknown(),
    { signal: ctx.signal, body: typing ? { typing, timeout: 30_000 } : { typing } },
  );
}

export async function setPresence(
  ctx: ConnectorContext,
  a: MatrixAccount,
  presence: Presence,
  statusMsg?: string | null,
): Promise<void> {
  await a.transport.json('PUT', `${C}/presence/${enc(a.session.userId)}/status`, z.unknown(), {
    signal: ctx.signal,
    body: statusMsg ? { presence, status_msg: statusMsg } : { presence },
  });
  chosenPresence.set(presenceKey(a.session), presence);
}

async function redact(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  eventId: string,
  txn: string,
): Promise<void> {
  await a.transport.json(
    'PUT',
    `${C}/rooms/${enc(roomId)}/redact/${enc(eventId)}/${enc(txn)}`,
    eventIdSchema,
    { signal: ctx.signal, body: {} },
  );
}

/** Our reaction with `key` on a message: from memory, else asked of the server. */
async function findOwnReaction(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  target: string,
  key: string,
): Promise<string | null> {
  const mine = (r: ReactionRef) =>
    r.target === target && r.sender === a.session.userId && r.key === key;
  for (const [id, r] of a.mapping.reactions) if (mine(r)) return id;
  let from: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await a.transport.json(
      'GET',
      `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(target)}/m.annotation/m.reaction`,
      relationsSchema,
      { signal: ctx.signal, query: { limit: 100, from } },
    );
    for (const e of res.chunk) {
      const rel = e.content['m.relates_to'] as { key?: unknown } | undefined;
      if (e.sender === a.session.userId && rel?.key === key) return e.event_id;
    }
    if (!res.next_batch) return null;
    from = res.next_batch;
  }
  return null;
}
