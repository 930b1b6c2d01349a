// What the group and message methods share: finding a caller's
// subscription, adding members, posting (system) messages, and telling the
// participants.
import { notification } from './hub.js';
import { RpcError, optLong, type Args, type Call, type Ctx } from './rpc.js';
import type { Group, Message, Role, Subscription } from './store.js';
import { messageRecord, subscriptionRecord } from './wire.js';

export class GroupOps {
  constructor(private readonly ctx: Ctx) {}

  private get store() {
    return this.ctx.store;
  }

  /** The caller's own subscription by id (someone else's is not found). */
  own(call: Call, id: number): { sub: Subscription; group: Group } {
    const sub = this.store.subscriptions.get(id);
    const group = sub && this.store.groups.get(sub.groupId);
    if (!sub || !group || sub.userId !== call.user!.id)
      throw new RpcError('not_found', 'no such subscription');
    return { sub, group };
  }

  /** `group_id` or `subscription_id` (one of them is required). */
  fromArgs(call: Call, args: Args): { sub: Subscription; group: Group } {
    const subscriptionId = optLong(args, 'subscription_id');
    if (subscriptionId !== null) return this.own(call, subscriptionId);
    const groupId = optLong(args, 'group_id');
    if (groupId === null)
      throw new RpcError('invalid_arguments', 'give group_id or subscription_id');
    const sub = this.store.subscriptionOf(call.user!.id, groupId);
    const group = this.store.groups.get(groupId);
    if (!sub || !group) throw new RpcError('not_found', 'no such group among yours');
    return { sub, group };
  }

  participants(groupId: number): number[] {
    return this.store.subscriptionsOfGroup(groupId).map((s) => s.userId);
  }

  subscribe(group: Group, userId: number, role: Role): Subscription {
    const sub: Subscription = {
      id: this.store.nextId('sub'),
      groupId: group.id,
      userId,
      role,
      muteUntil: null,
      draft: '',
      tags: null,
      lastReadMessageId: null,
      lastMentionedInMessageId: null,
      createdAt: new Date(),
    };
    this.store.subscriptions.set(sub.id, sub);
    return sub;
  }

  /** Each recipient gets the subscription as they may see it. */
  notifySubscription(event: string, sub: Subscription, recipients: number[]): void {
    this.ctx.hub.send(recipients, (viewer) =>
      notification(
        event,
        'subscription',
        event === 'deleted'
          ? { id: sub.id, group_id: sub.groupId, user_id: sub.userId }
          : subscriptionRecord(this.ctx, sub, { viewer, short: true }),
      ),
    );
  }

  notifyMessage(event: string, m: Message): void {
    this.ctx.hub.send(this.participants(m.groupId), (viewer) =>
      notification(event, 'message', messageRecord(this.ctx, m, viewer === m.userId)),
    );
  }

  post(group: Group, userId: number, fields: Partial<Message>): Message {
    const m: Message = {
      id: this.store.nextId('msg'),
      userId,
      groupId: group.id,
      serial: this.store.nextSerial(),
      text: '',
      xtag: null,
      reference: null,
      attachments: [],
      mentions: [],
      forwardedMessageId: null,
      inReplyToMessageId: null,
      uid: null,
      createdAt: new Date(),
      editedAt: null,
      deletedAt: null,
      ...fields,
    };
    this.store.messages.set(m.id, m);
    group.lastMessageId = m.id;
    group.lastSerial = m.serial;
    group.updatedAt = m.createdAt;
    this.notifyMessage('new', m);
    return m;
  }

  /** System messages always carry English text; clients localise by xtag. */
  system(group: Group, userId: number, xtag: string, text: string, refUser?: number): Message {
    return this.post(group, userId, {
      xtag,
      text,
      reference: refUser === undefined ? null : { type: 'user', id: String(refUser) },
    });
  }

  /** A changed message gets a new, bigger serial. */
  touch(m: Message): void {
    m.serial = this.store.nextSerial();
    const group = this.store.groups.get(m.groupId);
    if (group) group.lastSerial = m.serial;
  }

  nick(userId: number): string {
    return this.store.users.get(userId)?.nick ?? `user ${userId}`;
  }
}
