// post, get_messages, get_message, edit_message, delete_message.
import { parseDataUrl } from './dataUrl.js';
import { GroupOps } from './groupOps.js';
import {
  RpcError,
  long,
  optBool,
  optLong,
  optString,
  requireUser,
  type Args,
  type Call,
  type Ctx,
  type MethodTable,
} from './rpc.js';
import type { Group, Mention, Message, StoredFile } from './store.js';
import { messageRecord } from './wire.js';

const MAX_UID = 64;
const DEFAULT_LIMIT = 100;

export function messageMethods(ctx: Ctx): MethodTable {
  const { store } = ctx;
  const ops = new GroupOps(ctx);
  const record = (m: Message, viewer: number) => messageRecord(ctx, m, viewer === m.userId);

  function readable(call: Call, id: number): { m: Message; group: Group } {
    const m = store.messages.get(id);
    const group = m && store.groups.get(m.groupId);
    if (!m || !group || !store.subscriptionOf(call.user!.id, m.groupId))
      throw new RpcError('not_found', 'no such message');
    return { m, group };
  }

  function mentions(args: Args, group: Group): Mention[] {
    const v = args.mentions;
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new RpcError('invalid_arguments', 'mentions: must be an array');
    return v.map((item: unknown, i) => {
      const rec = (item ?? {}) as Args;
      const userId = long(rec, 'user_id');
      const text = optString(rec, 'text');
      if (text === null) throw new RpcError('invalid_arguments', `mentions[${i}].text: required`);
      if (!store.subscriptionOf(userId, group.id))
        throw new RpcError(
          'invalid_arguments',
          `mentions[${i}]: user ${userId} is not in the group`,
        );
      return { user_id: userId, text };
    });
  }

  /** Referenced messages must be visible to the poster. */
  function optMessageRef(call: Call, name: string): number | null {
    const id = optLong(call.args, name);
    if (id !== null) readable(call, id);
    return id;
  }

  /** `upload_id`: nil, "", one id or an array of finished uploads of the caller. */
  function uploads(call: Call): StoredFile[] {
    const v = call.args.upload_id;
    if (v === undefined || v === null || v === '') return [];
    const ids = (Array.isArray(v) ? v : [v]).map((x) => long({ upload_id: x }, 'upload_id'));
    return ids.map((id) => {
      const up = store.uploads.get(id);
      if (!up || up.userId !== call.user!.id) throw new RpcError('not_found', `no upload ${id}`);
      if (!up.file) throw new RpcError('upload_incomplete', `upload ${id} is not complete`);
      return up.file;
    });
  }

  function dataUrlAttachment(args: Args): StoredFile[] {
    const value = optString(args, 'attachment');
    if (!value) return [];
    const { contentType, data } = parseDataUrl(value, 'attachment');
    const name =
      optString(args, 'attachment_filename') ?? `attachment.${contentType.split('/')[1]}`;
    return [store.addFile(contentType, name, data)];
  }

  return {
    post: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const { sub, group } = ops.fromArgs(call, args);
      const uid = optString(args, 'uid');
      if (!uid || uid.length > MAX_UID)
        throw new RpcError('invalid_arguments', `uid: required, at most ${MAX_UID} characters`);
      const seen = store.postedUids.get(`${me.id}:${uid}`);
      if (seen !== undefined && store.messages.has(seen))
        return { message: record(store.messages.get(seen)!, me.id) };
      if (sub.role === 'ro') throw new RpcError('access_denied', 'read-only in this group');
      const text = optString(args, 'text') ?? '';
      const fields = {
        text,
        uid,
        mentions: mentions(args, group),
        inReplyToMessageId: optMessageRef(call, 'in_reply_to_message_id'),
        forwardedMessageId: optMessageRef(call, 'forwarded_message_id'),
        attachments: [...uploads(call), ...dataUrlAttachment(args)],
      };
      if (!text && fields.attachments.length === 0 && fields.forwardedMessageId === null)
        throw new RpcError('invalid_arguments', 'text: required');
      const m = ops.post(group, me.id, fields);
      store.postedUids.set(`${me.id}:${uid}`, m.id);
      // No subscription notification: the new-message one carries the mentions.
      for (const mention of m.mentions ?? []) {
        const mentioned = store.subscriptionOf(mention.user_id, group.id);
        if (mentioned && mention.user_id !== me.id) mentioned.lastMentionedInMessageId = m.id;
      }
      return { message: record(m, me.id) };
    },

    get_messages: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const { group } = ops.fromArgs(call, args);
      const limit = optLong(args, 'limit') ?? DEFAULT_LIMIT;
      const offset = optLong(args, 'offset') ?? 0;
      if (limit < 0 || offset < 0) throw new RpcError('invalid_arguments', 'negative paging');
      const beforeId = optLong(args, 'before_id');
      const afterSerial = optLong(args, 'after_serial');
      let list = store.messagesOfGroup(group.id);
      if (afterSerial !== null) {
        // New and changed messages, oldest change first.
        list = list.filter((m) => m.serial > afterSerial).sort((a, b) => a.serial - b.serial);
      } else {
        if (beforeId !== null) list = list.filter((m) => m.id < beforeId);
        list.sort((a, b) => b.id - a.id);
      }
      return { messages: list.slice(offset, offset + limit).map((m) => record(m, me.id)) };
    },

    get_message: (call) => {
      const me = requireUser(call);
      return { message: record(readable(call, long(call.args, 'message_id')).m, me.id) };
    },

    edit_message: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const { m } = readable(call, long(args, 'message_id'));
      if (m.userId !== me.id || m.xtag) throw new RpcError('access_denied', 'not your message');
      if (m.deletedAt) throw new RpcError('not_found', 'the message is deleted');
      if (Date.now() - m.createdAt.getTime() > ctx.editWindowMs)
        throw new RpcError('edit_period_expired', 'too late to edit this message');
      const text = optString(args, 'text');
      const attachment = optString(args, 'attachment');
      const clearReply = optBool(args, 'clear_in_reply_to_message_id') ?? false;
      if (text === null && attachment === null && !clearReply)
        throw new RpcError('invalid_arguments', 'give text or attachment');
      const files = attachment ? dataUrlAttachment(args) : null;
      if (text !== null) m.text = text;
      if (attachment === '') m.attachments = [];
      if (files) m.attachments = files;
      if (clearReply) m.inReplyToMessageId = null;
      m.editedAt = new Date();
      ops.touch(m);
      ops.notifyMessage('changed', m);
      return { message: record(m, me.id) };
    },

    delete_message: (call) => {
      const me = requireUser(call);
      const { m } = readable(call, long(call.args, 'message_id'));
      if (m.userId !== me.id || m.xtag) throw new RpcError('access_denied', 'not your message');
      if (!m.deletedAt) {
        m.deletedAt = new Date();
        m.text = '';
        m.attachments = [];
        ops.touch(m);
        ops.notifyMessage('deleted', m);
      }
      return { message: record(m, me.id) };
    },
  };
}
