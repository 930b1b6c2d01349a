// The unichat operation table. A post carries uid = "parley-<outbox key>":
// the server answers a repeated uid with the message it already made, so a
// retry after a lost answer never duplicates (seed 004, "Why uid?"). Mentions
// are found in the text (`@nick` of a participant) and sent by user id, as
// the page asks of clients. Most methods take our subscription id, which sync
// keeps per group (state `subscriptions`).
import type { ConnectorContext, WriteResult } from '../connector.js';
import type { OperationTable } from '../operations.js';
import { blobBytes } from '../context.js';
import { PermanentError } from '../errors.js';
import { groupRemoteId, messageRemoteId, uidFor, userRemoteId } from './mapping.js';
import type { UnichatSession } from './session.js';
import { allSubscriptions, SUBSCRIPTIONS, SubscriptionsStateSchema } from './sync.js';
import { uploadInChunks, type UploadOptions } from './upload.js';
import { EmptyAnswer, MessageAnswer, SubscriptionAnswer, type UniParticipant } from './wire.js';

function id(remoteId: string, what: string): number {
  if (!/^\d+$/.test(remoteId)) throw new PermanentError(`not a unichat ${what} id: ${remoteId}`);
  return Number(remoteId);
}

/** Our subscription to a group: from this session, the synced state, or (last) the server's list. */
export async function subscriptionOf(
  s: UnichatSession,
  ctx: ConnectorContext,
  groupId: string,
): Promise<number> {
  const known =
    s.subscriptions.get(groupId) ?? ctx.state(SUBSCRIPTIONS, SubscriptionsStateSchema)?.[groupId];
  if (known !== undefined) return known;
  for (const sub of await allSubscriptions(ctx, s, 100))
    s.subscriptions.set(groupRemoteId(sub.group_id), sub.id);
  const found = s.subscriptions.get(groupId);
  if (found === undefined) throw new PermanentError(`you are not in unichat group ${groupId}`);
  return found;
}

async function participants(
  s: UnichatSession,
  ctx: ConnectorContext,
  groupId: string,
): Promise<UniParticipant[]> {
  const { subscription } = await s.transport.call(
    'get_subscription',
    { subscription_id: await subscriptionOf(s, ctx, groupId) },
    SubscriptionAnswer,
    { signal: ctx.signal },
  );
  return subscription.group?.participants ?? [];
}

/** `@nick` of a participant (not us), as the mention records the page describes. */
export function findMentions(
  body: string,
  people: { userId: number; nick: string }[],
  selfId: string,
): { user_id: number; text: string }[] {
  const found: { user_id: number; text: string }[] = [];
  // Longest nicks first, so "@ann-marie" is not taken for "@ann".
  const byLength = [...people].sort((a, b) => b.nick.length - a.nick.length);
  for (const match of body.matchAll(/(^|[^\w@])@([\w.-]+)/gu)) {
    const word = match[2]!.toLowerCase();
    const who = byLength.find(
      (p) => p.nick && word.startsWith(p.nick.toLowerCase()) && userRemoteId(p.userId) !== selfId,
    );
    if (who && !found.some((f) => f.user_id === who.userId))
      found.push({ user_id: who.userId, text: `@${match[2]!.slice(0, who.nick.length)}` });
  }
  return found;
}

async function post(
  s: UnichatSession,
  ctx: ConnectorContext,
  groupId: string,
  key: string,
  fields: { text: string; replyTo?: string | null; forwardOf?: string | null; uploadId?: number },
): Promise<WriteResult> {
  const people = fields.text.includes('@')
    ? (await participants(s, ctx, groupId)).map((p) => ({
        userId: p.user_id,
        nick: p.user?.nick ?? '',
      }))
    : [];
  const mentions = findMentions(fields.text, people, s.selfId);
  const { message } = await s.transport.call(
    'post',
    {
      subscription_id: await subscriptionOf(s, ctx, groupId),
      uid: uidFor(key),
      text: fields.text,
      ...(mentions.length ? { mentions } : {}),
      ...(fields.replyTo ? { in_reply_to_message_id: id(fields.replyTo, 'message') } : {}),
      ...(fields.forwardOf ? { forwarded_message_id: id(fields.forwardOf, 'message') } : {}),
      ...(fields.uploadId !== undefined ? { upload_id: [fields.uploadId] } : {}),
    },
    MessageAnswer,
    { signal: ctx.signal },
  );
  return { remoteId: messageRemoteId(message.id) };
}

/** A subscription's own fields (draft, read position): only what is given changes. */
export async function updateSubscription(
  s: UnichatSession,
  ctx: ConnectorContext,
  groupId: string,
  fields: { draft?: string; last_read_message_id?: number },
): Promise<void> {
  await s.transport.call(
    'update_subscription',
    { subscription_id: await subscriptionOf(s, ctx, groupId), ...fields },
    SubscriptionAnswer,
    { signal: ctx.signal },
  );
}

export function unichatOperations(upload: UploadOptions = {}) {
  return {
    send: (s, op, key, ctx) =>
      post(s, ctx, op.chatRemoteId, key, {
        text: op.body,
        replyTo: op.replyToRemoteId,
        forwardOf: op.forwardOfRemoteId,
      }),
    sendAttachment: async (s, op, key, ctx) => {
      const bytes = await blobBytes(ctx, op.attachment.sha256);
      const uploadId = await uploadInChunks(
        s,
        { bytes, name: op.attachment.name, mime: op.attachment.mime },
        ctx.signal,
        upload,
      );
      // The file name alone is no caption.
      const text = op.body === op.attachment.name ? '' : op.body;
      return post(s, ctx, op.chatRemoteId, key, { text, replyTo: op.replyToRemoteId, uploadId });
    },
    edit: async (s, op, _key, ctx) => {
      await s.transport.call(
        'edit_message',
        { message_id: id(op.messageRemoteId, 'message'), text: op.body },
        MessageAnswer,
        { signal: ctx.signal },
      );
      return {};
    },
    delete: async (s, op, _key, ctx) => {
      // Deleting a deleted message is not an error (the page says so): a retry is safe.
      await s.transport.call(
        'delete_message',
        { message_id: id(op.messageRemoteId, 'message') },
        MessageAnswer,
        { signal: ctx.signal },
      );
      return {};
    },
    read: async (s, op, _key, ctx) => {
      await updateSubscription(s, ctx, op.chatRemoteId, {
        last_read_message_id: id(op.messageRemoteId, 'message'),
      });
      return {};
    },
    chatCreate: async (s, op, _key, ctx) => {
      const invite = (op.invite ?? []).map((p) => id(p, 'user'));
      const { subscription } = op.direct
        ? await s.transport.call(
            'get_private_subscription',
            { user_id: invite[0] },
            SubscriptionAnswer,
            { signal: ctx.signal },
          )
        : await s.transport.call(
            'create_room',
            { name: op.name || 'Room', user_ids: invite },
            SubscriptionAnswer,
            { signal: ctx.signal },
          );
      s.subscriptions.set(groupRemoteId(subscription.group_id), subscription.id);
      return { remoteId: groupRemoteId(subscription.group_id) };
    },
    // A room is joined with its invite code (create_group_invite_code elsewhere).
    chatJoin: async (s, op, _key, ctx) => {
      await s.transport.call('use_invite_code', { code: op.chatRemoteId }, EmptyAnswer, {
        signal: ctx.signal,
      });
      return {};
    },
    chatLeave: async (s, op, _key, ctx) => {
      await s.transport.call(
        'unsubscribe',
        { subscription_id: await subscriptionOf(s, ctx, op.chatRemoteId) },
        EmptyAnswer,
        { signal: ctx.signal },
      );
      s.subscriptions.delete(op.chatRemoteId);
      return {};
    },
    chatMember: async (s, op, _key, ctx) => {
      const subscription_id = await subscriptionOf(s, ctx, op.chatRemoteId);
      const user = id(op.personRemoteId, 'user');
      if (op.action === 'invite')
        await s.transport.call('invite', { subscription_id, user_id: [user] }, SubscriptionAnswer, {
          signal: ctx.signal,
        });
      else if (op.action === 'kick')
        await s.transport.call('kick', { subscription_id, user_id: user }, EmptyAnswer, {
          signal: ctx.signal,
        });
      else throw new PermanentError(`unichat has no ${op.action} (kick removes someone)`);
      return {};
    },
  } satisfies OperationTable<UnichatSession>;
}
