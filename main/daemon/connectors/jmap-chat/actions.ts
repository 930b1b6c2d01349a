// Writes. Outbox ops: send, sendAttachment, edit, react, delete, read, chat
// create, leave and membership. A creation id lives for one request (RFC 8620
// §5.3), so a send or group create retried after an unknown outcome first
// looks for what an earlier attempt made (earlierCreate.ts) and creates only
// when there is none. Reactions check the message first, so a retried add or
// remove is a no-op; edits, deletes and read positions are updates that come
// out the same when repeated. Account-level actions (chats, spaces, invites,
// bans, emoji, contacts, presence, typing, quota, thumbnails) are direct calls.
import type { WriteAttempt, WriteResult } from '../connector.js';
import { PermanentError } from '../errors.js';
import { parseArgs } from '../jmap/client.js';
import { checkSet } from '../jmap/errors.js';
import type { SetResponse } from '../jmap/wire.js';
import type { OperationTable } from '../operations.js';
import { blobBytes } from '../context.js';
import { findEarlierGroup, findEarlierSend, sentAtOf, type SendShape } from './earlierCreate.js';
import { mentionsIn } from './mapping.js';
import type { ChatSession } from './transport.js';
import { MessageSchema } from './wire.js';

type Obj = Record<string, unknown>;

async function set(
  s: ChatSession,
  type: string,
  args: Obj,
  signal: AbortSignal,
): Promise<SetResponse> {
  const r = await s.client.set(type, { accountId: s.accountId, ...args }, signal);
  checkSet(r, `${type}/set`);
  return r;
}

async function message(s: ChatSession, id: string, signal: AbortSignal) {
  const got = await s.client.get('Message', s.accountId, [id], {}, signal);
  if (!got.list[0]) throw new PermanentError(`message ${id} is gone`);
  return parseArgs(MessageSchema, 'Message/get', got.list[0]);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function createMessage(
  s: ChatSession,
  key: string,
  m: Obj,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<WriteResult> {
  const body = String(m.body ?? '');
  const r = await set(
    s,
    'Message',
    {
      create: {
        [key]: {
          bodyType: 'text/plain',
          sentAt: sentAtOf(attempt),
          mentions: mentionsIn(s, body),
          ...m,
          body,
        },
      },
    },
    signal,
  );
  const id = r.created?.[key]?.id;
  if (!id) throw new PermanentError('Message/set created nothing');
  s.sentKeys.set(id, key);
  return { remoteId: id };
}

/** After an attempt whose outcome is unknown, the message it created (adopted), else null. */
async function earlierCopy(
  s: ChatSession,
  key: string,
  shape: SendShape,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<WriteResult | null> {
  if (attempt.earlier === 0) return null;
  const id = await findEarlierSend(s, shape, attempt, signal);
  if (!id) return null;
  s.sentKeys.set(id, key);
  return { remoteId: id };
}

export async function upload(
  s: ChatSession,
  data: Uint8Array,
  mime: string,
  signal: AbortSignal,
): Promise<{ blobId: string; size: number; sha256: string | null }> {
  const r = await s.client.upload(s.accountId, data, mime, signal);
  return { blobId: r.blobId, size: r.size, sha256: typeof r.sha256 === 'string' ? r.sha256 : null };
}

type SendOp = { chatRemoteId: string; body: string; replyToRemoteId?: string | null };

const shapeOf = (op: SendOp, attachments: SendShape['attachments'] = []): SendShape => ({
  chatId: op.chatRemoteId,
  body: op.body,
  replyTo: op.replyToRemoteId || null,
  attachments,
});

/** A send into a chat, with an optional reply target and attachments. */
const send = (
  s: ChatSession,
  key: string,
  attempt: WriteAttempt,
  signal: AbortSignal,
  op: SendOp,
  attachments?: Obj[],
) =>
  createMessage(
    s,
    key,
    {
      chatId: op.chatRemoteId,
      body: op.body,
      ...(attachments ? { attachments } : {}),
      ...(op.replyToRemoteId ? { replyTo: op.replyToRemoteId } : {}),
    },
    attempt,
    signal,
  );

/** The outbox operations JMAP Chat handles. Joining a chat by id is not one: Spaces are joined by spaces.join. */
export const jmapChatOperations = {
  send: async (s, op, key, ctx, attempt) =>
    (await earlierCopy(s, key, shapeOf(op), attempt, ctx.signal)) ??
    send(s, key, attempt, ctx.signal, op),
  sendAttachment: async (s, op, key, ctx, attempt) => {
    const filename = op.attachment.name.replace(/[/\\\0]/g, '_') || 'file';
    const shape = shapeOf(op, [{ filename, size: op.attachment.size }]);
    const earlier = await earlierCopy(s, key, shape, attempt, ctx.signal);
    if (earlier) return earlier;
    const data = await blobBytes(ctx, op.attachment.sha256);
    if (data.length > s.caps.maxAttachmentBytes)
      throw new PermanentError(`the file is over ${s.caps.maxAttachmentBytes} bytes`);
    const blob = await upload(s, data, op.attachment.mime, ctx.signal);
    return send(s, key, attempt, ctx.signal, op, [
      { blobId: blob.blobId, filename, contentType: op.attachment.mime, size: blob.size },
    ]);
  },
  chatCreate: async (s, op, _key, ctx, attempt) => {
    const invite = op.invite ?? [];
    const direct = op.direct && invite.length === 1;
    const group = { name: op.name || 'Group', description: op.topic || null, memberIds: invite };
    // A direct chat needs no search: the server answers an existing one in `updated`.
    if (!direct && attempt.earlier > 0) {
      const earlier = await findEarlierGroup(s, group, attempt, ctx.signal);
      if (earlier) return { remoteId: earlier };
    }
    const r = await act(
      s,
      direct
        ? { action: 'createDirect', contactId: invite[0]! }
        : {
            action: 'createGroup',
            name: group.name,
            memberIds: invite,
            ...(group.description ? { description: group.description } : {}),
          },
      ctx.signal,
    );
    return { remoteId: String(r.id) };
  },
  chatLeave: async (s, op, _key, ctx) => {
    await act(s, { action: 'leaveChat', chatId: op.chatRemoteId }, ctx.signal);
    return {};
  },
  chatMember: async (s, op, _key, { signal }) => {
    if (op.action === 'invite' || op.action === 'kick') {
      const patch =
        op.action === 'invite'
          ? { addMembers: [{ id: op.personRemoteId }] }
          : { removeMembers: [op.personRemoteId] };
      await act(s, { action: 'updateChat', chatId: op.chatRemoteId, patch }, signal);
      return {};
    }
    // Bans live on the channel's Space.
    const chat = (await s.client.get('Chat', s.accountId, [op.chatRemoteId], {}, signal)).list[0];
    const spaceId = chat?.spaceId;
    if (typeof spaceId !== 'string') throw new PermanentError('bans apply to Space channels');
    if (op.action === 'ban') {
      await act(
        s,
        {
          action: 'ban',
          spaceId,
          userId: op.personRemoteId,
          ...(op.reason ? { reason: op.reason } : {}),
        },
        signal,
      );
      return {};
    }
    for (const b of await list(s, 'SpaceBan', signal))
      if (b.spaceId === spaceId && b.userId === op.personRemoteId)
        await act(s, { action: 'unban', banId: String(b.id) }, signal);
    return {};
  },
  edit: async (s, op, _key, ctx) => {
    await set(
      s,
      'Message',
      { update: { [op.messageRemoteId]: { body: op.body, mentions: mentionsIn(s, op.body) } } },
      ctx.signal,
    );
    return {};
  },
  react: async (s, op, key, { signal }) => {
    const m = await message(s, op.messageRemoteId, signal);
    const mine = Object.entries(m.reactions).filter(
      ([, r]) => r.senderId === 'self' && r.emoji === op.key,
    );
    const patch: Obj = {};
    if (op.remove) for (const [rid] of mine) patch[`reactions/${rid}`] = null;
    else if (mine.length === 0) patch[`reactions/${key}`] = { emoji: op.key, sentAt: now() };
    if (Object.keys(patch).length)
      await set(s, 'Message', { update: { [op.messageRemoteId]: patch } }, signal);
    return {};
  },
  delete: async (s, op, _key, { signal }) => {
    const m = await message(s, op.messageRemoteId, signal);
    if (m.deletedAt) return {};
    const own = m.senderId === 'self' || m.senderId === s.selfId;
    await set(
      s,
      'Message',
      {
        update: {
          [op.messageRemoteId]: { deletedAt: now(), ...(own ? { deletedForAll: true } : {}) },
        },
      },
      signal,
    );
    return {};
  },
  read: async (s, op, _key, { signal }) => {
    let rp = s.readPositions.get(op.chatRemoteId);
    if (!rp) {
      const all = await s.client.get('ReadPosition', s.accountId, null, {}, signal);
      for (const r of all.list) s.readPositions.set(String(r.chatId), String(r.id));
      rp = s.readPositions.get(op.chatRemoteId);
    }
    if (!rp) throw new PermanentError(`no read position for chat ${op.chatRemoteId}`);
    await set(
      s,
      'ReadPosition',
      { update: { [rp]: { lastReadMessageId: op.messageRemoteId } } },
      signal,
    );
    return {};
  },
} satisfies OperationTable<ChatSession>;

// ---- account-level actions (direct calls) ----

export type ChatAction =
  | { action: 'createDirect'; contactId: string }
  | { action: 'createGroup'; name: string; memberIds: string[]; description?: string }
  | { action: 'updateChat'; chatId: string; patch: Obj }
  | { action: 'leaveChat'; chatId: string }
  | { action: 'createSpace'; name: string; description?: string; isPublic?: boolean }
  | { action: 'updateSpace'; spaceId: string; patch: Obj }
  | { action: 'destroySpace'; spaceId: string }
  | { action: 'joinSpace'; inviteCode?: string; spaceId?: string }
  | { action: 'createInvite'; spaceId: string; maxUses?: number; expiresAt?: string }
  | { action: 'revokeInvite'; inviteId: string }
  | { action: 'ban'; spaceId: string; userId: string; reason?: string }
  | { action: 'unban'; banId: string }
  | { action: 'createEmoji'; spaceId: string; name: string; data: Uint8Array; mime: string }
  | { action: 'block'; contactId: string; blocked: boolean }
  | {
      action: 'setPresence';
      presence?: string;
      statusText?: string | null;
      statusEmoji?: string | null;
    }
  | { action: 'typing'; chatId: string; typing: boolean };

/** One account-level action; returns the ids the server gave (or null). */
export async function act(s: ChatSession, a: ChatAction, signal: AbortSignal): Promise<Obj> {
  const create = async (type: string, obj: Obj) => {
    const r = await set(s, type, { create: { c: obj } }, signal);
    const id = r.created?.c?.id ?? Object.keys(r.updated ?? {})[0];
    if (!id) throw new PermanentError(`${type}/set created nothing`);
    return { id, created: r.created?.c ?? null };
  };
  switch (a.action) {
    case 'createDirect':
      // An existing direct chat with the contact comes back in `updated` (deduplicated).
      return create('Chat', { kind: 'direct', contactId: a.contactId });
    case 'createGroup':
      return create('Chat', {
        kind: 'group',
        name: a.name,
        memberIds: a.memberIds,
        ...(a.description ? { description: a.description } : {}),
      });
    case 'updateChat':
      await set(s, 'Chat', { update: { [a.chatId]: a.patch } }, signal);
      return { id: a.chatId };
    case 'leaveChat':
      await set(s, 'Chat', { destroy: [a.chatId] }, signal);
      return { id: a.chatId };
    case 'createSpace':
      return create('Space', {
        name: a.name,
        ...(a.description ? { description: a.description } : {}),
        isPublic: a.isPublic ?? false,
      });
    case 'updateSpace':
      await set(s, 'Space', { update: { [a.spaceId]: a.patch } }, signal);
      return { id: a.spaceId };
    case 'destroySpace':
      await set(s, 'Space', { destroy: [a.spaceId] }, signal);
      return { id: a.spaceId };
    case 'joinSpace': {
      const r = await s.client.call(
        'Space/join',
        {
          accountId: s.accountId,
          ...(a.inviteCode ? { inviteCode: a.inviteCode } : { spaceId: a.spaceId }),
        },
        signal,
      );
      return { id: r.spaceId };
    }
    case 'createInvite':
      return create('SpaceInvite', {
        spaceId: a.spaceId,
        ...(a.maxUses ? { maxUses: a.maxUses } : {}),
        ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
      });
    case 'revokeInvite':
      await set(s, 'SpaceInvite', { destroy: [a.inviteId] }, signal);
      return { id: a.inviteId };
    case 'ban':
      return create('SpaceBan', {
        spaceId: a.spaceId,
        userId: a.userId,
        ...(a.reason ? { reason: a.reason } : {}),
      });
    case 'unban':
      await set(s, 'SpaceBan', { destroy: [a.banId] }, signal);
      return { id: a.banId };
    case 'createEmoji': {
      const blob = await upload(s, a.data, a.mime, signal);
      return create('CustomEmoji', { name: a.name, blobId: blob.blobId, spaceId: a.spaceId });
    }
    case 'block':
      await set(s, 'ChatContact', { update: { [a.contactId]: { blocked: a.blocked } } }, signal);
      return { id: a.contactId };
    case 'setPresence': {
      const ps = await s.client.get('PresenceStatus', s.accountId, null, {}, signal);
      const id = ps.list[0]?.id;
      if (!id) throw new PermanentError('the account has no PresenceStatus');
      const patch: Obj = {};
      for (const k of ['presence', 'statusText', 'statusEmoji'] as const)
        if (a[k] !== undefined) patch[k] = a[k];
      await set(s, 'PresenceStatus', { update: { [id as string]: patch } }, signal);
      return { id };
    }
    case 'typing':
      await s.client.call(
        'Chat/typing',
        { accountId: s.accountId, chatId: a.chatId, typing: a.typing },
        signal,
      );
      return { id: a.chatId };
  }
}

/** Objects of a type as the server has them now (invites, bans, emoji, presence...). */
export async function list(s: ChatSession, type: string, signal: AbortSignal): Promise<Obj[]> {
  return (await s.client.get(type, s.accountId, null, {}, signal)).list;
}

/** RFC 9425 quotas for the account settings (empty when the server has none). */
export async function quotas(s: ChatSession, signal: AbortSignal): Promise<Obj[]> {
  if (!s.hasQuota) return [];
  return list(s, 'Quota', signal);
}

/** A server-made thumbnail (Blob/convert imageConvert), or null when the server cannot. */
export async function thumbnail(
  s: ChatSession,
  blobId: string,
  width: number,
  height: number,
  signal: AbortSignal,
): Promise<{ blobId: string; type: string } | null> {
  if (!s.canConvert) return null;
  const r = await s.client.call(
    'Blob/convert',
    {
      accountId: s.accountId,
      create: { t: { imageConvert: { blobId, type: 'image/png', width, height } } },
    },
    signal,
  );
  const created = (r.created as Record<string, Obj> | null | undefined)?.t;
  return created
    ? { blobId: String(created.blobId ?? created.id), type: String(created.type ?? 'image/png') }
    : null;
}
