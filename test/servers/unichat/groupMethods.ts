// Subscriptions, rooms, private chats and their administration.
import { parseDataUrl } from './dataUrl.js';
import { GroupOps } from './groupOps.js';
import { notification } from './hub.js';
import {
  RpcError,
  long,
  longList,
  optBool,
  optLong,
  optString,
  requireUser,
  string,
  type Call,
  type Ctx,
  type MethodTable,
} from './rpc.js';
import { newToken, type Group, type Role, type Subscription } from './store.js';
import { groupRecord, subscriptionRecord } from './wire.js';

const ROLES: Role[] = ['ro', 'rw', 'admin'];

export function groupMethods(ctx: Ctx): MethodTable {
  const { store } = ctx;
  const ops = new GroupOps(ctx);
  const view = (s: Subscription, viewer: number, short = false) => ({
    subscription: subscriptionRecord(ctx, s, { viewer, short }),
  });

  function newGroup(type: Group['type'], name: string | null, ownerId: number | null): Group {
    const now = new Date();
    const g: Group = {
      id: store.nextId('group'),
      type,
      name,
      strid: null,
      isSpace: false,
      isDeleted: false,
      ownerId,
      icon: null,
      inviteCode: null,
      pinnedMessageId: null,
      lastMessageId: null,
      lastSerial: 0,
      createdAt: now,
      updatedAt: now,
    };
    store.groups.set(g.id, g);
    return g;
  }

  function requireRoom(group: Group): void {
    if (group.type === 'private_chat')
      throw new RpcError('not_allowed', 'private chats have exactly two participants');
  }

  function requireWriter(sub: Subscription): void {
    if (sub.role === 'ro') throw new RpcError('access_denied', 'read-only in this group');
  }

  function requireAdmin(sub: Subscription): void {
    if (sub.role !== 'admin') throw new RpcError('access_denied', 'only admins may do this');
  }

  function target(group: Group, args: Call['args']): Subscription {
    const sub = store.subscriptionOf(long(args, 'user_id'), group.id);
    if (!sub) throw new RpcError('not_found', 'that user is not in the group');
    return sub;
  }

  /** Adds users to a room: notifications, then an `invite` message each. */
  function inviteAll(group: Group, inviterId: number, userIds: number[]): Subscription[] {
    for (const id of userIds) {
      if (!store.users.has(id)) throw new RpcError('not_found', `no user ${id}`);
      if (store.subscriptionOf(id, group.id))
        throw new RpcError('already_subscribed', `user ${id} is already in the group`);
    }
    return [...new Set(userIds)].map((id) => {
      const sub = ops.subscribe(group, id, 'rw');
      ops.notifySubscription('new', sub, ops.participants(group.id));
      ops.system(group, inviterId, 'invite', `${ops.nick(id)} was invited`, id);
      return sub;
    });
  }

  function remove(group: Group, sub: Subscription): void {
    const recipients = ops.participants(group.id);
    store.subscriptions.delete(sub.id);
    ops.notifySubscription('deleted', sub, recipients);
    const left = store.subscriptionsOfGroup(group.id);
    if (left.length === 0) {
      // No archived groups: the group and its messages go.
      store.groups.delete(group.id);
      for (const m of store.messagesOfGroup(group.id)) store.messages.delete(m.id);
      return;
    }
    if (group.ownerId === sub.userId) handOver(group, left);
  }

  /** The oldest admin, else the oldest writer, else the oldest reader. */
  function handOver(group: Group, left: Subscription[]): void {
    const heir =
      left.find((s) => s.role === 'admin') ?? left.find((s) => s.role === 'rw') ?? left[0]!;
    group.ownerId = heir.userId;
    group.updatedAt = new Date();
    heir.role = 'admin';
    ops.notifySubscription('changed', heir, ops.participants(group.id));
  }

  return {
    get_subscriptions: (call) => {
      const me = requireUser(call);
      const short = optBool(call.args, 'short') ?? false;
      const limit = optLong(call.args, 'limit') ?? 1000;
      const offset = optLong(call.args, 'offset') ?? 0;
      if (limit < 0 || offset < 0) throw new RpcError('invalid_arguments', 'negative paging');
      const mine = [...store.subscriptions.values()]
        .filter((s) => s.userId === me.id)
        .sort((a, b) => a.id - b.id)
        .slice(offset, offset + limit);
      return {
        subscriptions: mine.map((s) => subscriptionRecord(ctx, s, { viewer: me.id, short })),
      };
    },

    get_subscription: (call) => {
      const me = requireUser(call);
      return view(ops.own(call, long(call.args, 'subscription_id')).sub, me.id);
    },

    create_room: (call) => {
      const me = requireUser(call);
      const name = string(call.args, 'name');
      const userIds = longList(call.args, 'user_ids').filter((id) => id !== me.id);
      for (const id of userIds)
        if (!store.users.has(id)) throw new RpcError('not_found', `no user ${id}`);
      const group = newGroup('room', name, me.id);
      group.isSpace = optBool(call.args, 'is_space') ?? false;
      const own = ops.subscribe(group, me.id, 'admin');
      ops.notifySubscription('new', own, [me.id]);
      ops.system(group, me.id, 'creation', `${ops.nick(me.id)} created the room`);
      inviteAll(group, me.id, userIds);
      return view(own, me.id);
    },

    get_private_subscription: (call) => {
      const me = requireUser(call);
      const otherId = long(call.args, 'user_id');
      if (otherId === me.id)
        throw new RpcError('invalid_arguments', 'a private chat needs another user');
      if (!store.users.has(otherId)) throw new RpcError('not_found', 'no such user');
      const strid = `p2p:${Math.min(me.id, otherId)}:${Math.max(me.id, otherId)}`;
      const existing = [...store.groups.values()].find((g) => g.strid === strid);
      if (existing) return view(store.subscriptionOf(me.id, existing.id)!, me.id);
      const group = newGroup('private_chat', null, null);
      group.strid = strid;
      const own = ops.subscribe(group, me.id, 'rw');
      const other = ops.subscribe(group, otherId, 'rw');
      ops.notifySubscription('new', own, [me.id]);
      ops.notifySubscription('new', other, [otherId]);
      return view(own, me.id);
    },

    update_subscription: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const { sub, group } = ops.own(call, long(args, 'subscription_id'));
      const draft = optString(args, 'draft');
      const lastRead = optLong(args, 'last_read_message_id');
      const muteText = optString(args, 'mute_until');
      const mute = muteText === null ? null : new Date(muteText);
      if (mute && Number.isNaN(mute.getTime()))
        throw new RpcError('invalid_arguments', 'mute_until: not an ISO 8601 time');
      const rawTags = args.tags;
      if (rawTags !== undefined && rawTags !== null) {
        if (!Array.isArray(rawTags) || rawTags.some((t) => typeof t !== 'string'))
          throw new RpcError('invalid_arguments', 'tags: must be an array of strings');
      }
      if (draft !== null) sub.draft = draft;
      if (mute) sub.muteUntil = mute.getTime() > Date.now() ? mute : null;
      if (Array.isArray(rawTags)) sub.tags = rawTags as string[];
      if (lastRead !== null) {
        sub.lastReadMessageId = lastRead;
        if (sub.lastMentionedInMessageId !== null && sub.lastMentionedInMessageId <= lastRead)
          sub.lastMentionedInMessageId = null;
      }
      // A read position concerns the group; the rest only the owner.
      const everyone = ops.participants(group.id);
      ops.notifySubscription('changed', sub, lastRead !== null ? everyone : [me.id]);
      if (draft)
        ctx.hub.send(
          everyone.filter((id) => id !== me.id),
          () =>
            notification('entering', 'subscription', {
              id: sub.id,
              group_id: group.id,
              user_id: me.id,
            }),
        );
      return view(sub, me.id);
    },

    invite: (call) => {
      const me = requireUser(call);
      const { sub, group } = ops.own(call, long(call.args, 'subscription_id'));
      requireRoom(group);
      requireWriter(sub);
      const added = inviteAll(group, me.id, longList(call.args, 'user_id'));
      if (added.length === 0) throw new RpcError('invalid_arguments', 'user_id: nobody to invite');
      return view(added.at(-1)!, me.id);
    },

    create_group_invite_code: (call) => {
      requireUser(call);
      const { sub, group } = ops.own(call, long(call.args, 'subscription_id'));
      requireRoom(group);
      requireWriter(sub);
      group.inviteCode ??= newToken().slice(0, 16);
      return { code: group.inviteCode };
    },

    use_invite_code: (call) => {
      const me = requireUser(call);
      const code = string(call.args, 'code');
      const group = [...store.groups.values()].find((g) => code && g.inviteCode === code);
      if (!group) throw new RpcError('not_found', 'no group has this invite code');
      if (store.subscriptionOf(me.id, group.id)) return {};
      const sub = ops.subscribe(group, me.id, 'rw');
      ops.notifySubscription('new', sub, ops.participants(group.id));
      ops.system(group, me.id, 'joined', `${ops.nick(me.id)} joined`);
      return {};
    },

    unsubscribe: (call) => {
      const me = requireUser(call);
      const { sub, group } = ops.own(call, long(call.args, 'subscription_id'));
      requireRoom(group);
      ops.system(group, me.id, 'leave', `${ops.nick(me.id)} left`);
      remove(group, sub);
      return {};
    },

    set_access: (call) => {
      const me = requireUser(call);
      const { sub, group } = ops.own(call, long(call.args, 'subscription_id'));
      requireRoom(group);
      requireAdmin(sub);
      const role = string(call.args, 'role') as Role;
      if (!ROLES.includes(role)) throw new RpcError('invalid_arguments', 'role: ro, rw or admin');
      const other = target(group, call.args);
      if (other.userId === group.ownerId)
        throw new RpcError('access_denied', "the owner's role cannot change");
      other.role = role;
      ops.notifySubscription('changed', other, ops.participants(group.id));
      return view(other, me.id, true);
    },

    kick: (call) => {
      const me = requireUser(call);
      const { sub, group } = ops.own(call, long(call.args, 'subscription_id'));
      requireRoom(group);
      requireAdmin(sub);
      const other = target(group, call.args);
      if (other.userId === group.ownerId)
        throw new RpcError('access_denied', 'the owner cannot be kicked');
      if (other.userId === me.id)
        throw new RpcError('invalid_arguments', 'use unsubscribe to leave');
      ops.system(group, me.id, 'kick_out', `${ops.nick(other.userId)} was removed`, other.userId);
      remove(group, other);
      return {};
    },

    update_group: (call) => {
      requireUser(call);
      const { args } = call;
      const { sub, group } = ops.own(call, long(args, 'subscription_id'));
      requireRoom(group);
      requireAdmin(sub);
      const name = optString(args, 'name');
      const icon = optString(args, 'icon');
      const parsedIcon = icon ? parseDataUrl(icon, 'icon') : null;
      if (parsedIcon && !parsedIcon.contentType.startsWith('image/'))
        throw new RpcError('invalid_arguments', 'icon: must be an image');
      const pinned = args.pinned_message_id === '' ? '' : optLong(args, 'pinned_message_id');
      if (typeof pinned === 'number' && store.messages.get(pinned)?.groupId !== group.id)
        throw new RpcError('not_found', 'pinned_message_id: no such message in the group');
      const isSpace = optBool(args, 'is_space');
      if (name !== null) group.name = name;
      if (parsedIcon) group.icon = store.addFile(parsedIcon.contentType, 'icon', parsedIcon.data);
      if (pinned !== null) group.pinnedMessageId = pinned === '' ? null : pinned;
      if (isSpace !== null) group.isSpace = isSpace;
      group.updatedAt = new Date();
      ctx.hub.send(ops.participants(group.id), () =>
        notification('changed', 'group', groupRecord(ctx, group, false)),
      );
      return { group: groupRecord(ctx, group, true) };
    },
  };
}
