// What one account sees of each data type (the draft's property lists), used
// by /get, /query and by Store.commit() to compute /changes.
import type { DataType, MessageRec, Obj, SpaceRec, Store } from './store.js';

const visiblePresence = (p: string) => (p === 'invisible' ? 'offline' : p);

export function chatView(store: Store, chatId: string, userId: string): Obj | null {
  const c = store.chats.get(chatId);
  if (!c || !store.chatVisible(c, userId)) return null;
  const pu = store.perUser(c, userId);
  const v: Obj = {
    id: c.id,
    kind: c.kind,
    createdAt: c.createdAt,
    lastMessageAt: c.lastMessageAt,
    unreadCount: store.unreadCount(c, userId),
    pinnedMessageIds: c.pinnedMessageIds,
    muted: pu.muted,
    muteUntil: pu.muteUntil,
    receiptSharing: pu.receiptSharing,
    messageExpirySeconds: c.messageExpirySeconds,
  };
  if (c.kind === 'direct') {
    v.contactId = c.members.find((m) => m.id !== userId)?.id ?? userId;
    v.receiveTypingIndicators = pu.receiveTypingIndicators;
  } else if (c.kind === 'group') {
    Object.assign(v, {
      name: c.name,
      description: c.description,
      avatarBlobId: c.avatarBlobId,
      members: c.members.map((m) => ({ ...m, id: m.id })),
      receiveTypingIndicators: pu.receiveTypingIndicators,
    });
  } else {
    Object.assign(v, {
      name: c.name,
      spaceId: c.spaceId,
      categoryId: c.categoryId,
      position: c.position,
      topic: c.topic,
      slowModeSeconds: c.slowModeSeconds,
      permissionOverrides: c.permissionOverrides,
    });
  }
  return v;
}

export function messageView(
  store: Store,
  m: MessageRec,
  userId: string,
  replyCounts?: Map<string, number>,
): Obj | null {
  if (!store.messageVisible(m, userId)) return null;
  const self = (id: string) => (id === userId ? 'self' : id);
  const deletedAt = m.deletedForAll ? m.deletedAt : (m.deletedFor.get(userId) ?? null);
  const gone = deletedAt !== null;
  const read = m.readBy.get(userId);
  let replyCount = replyCounts?.get(m.id);
  if (replyCount === undefined) {
    replyCount = 0;
    for (const r of store.messagesByChat.get(m.chatId) ?? [])
      if (r.threadRootId === m.id && !r.hiddenFor.has(userId)) replyCount++;
  }
  return {
    id: m.id,
    senderMsgId: m.id,
    chatId: m.chatId,
    senderId: self(m.senderId),
    body: gone ? '' : m.body,
    bodyType: m.bodyType,
    attachments: gone ? [] : m.attachments,
    mentions: gone ? [] : m.mentions,
    broadcastMentions: gone ? [] : m.broadcastMentions,
    actions: gone ? [] : m.actions,
    reactions: gone
      ? {}
      : Object.fromEntries(
          Object.entries(m.reactions).map(([k, r]) => [k, { ...r, senderId: self(r.senderId) }]),
        ),
    replyTo: m.replyTo,
    threadRootId: m.threadRootId,
    replyCount,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    senderExpiresAt: m.senderExpiresAt,
    burnOnRead: m.burnOnRead,
    deliveryState: m.senderId === userId ? 'delivered' : 'received',
    deliveredAt: m.receivedAt,
    readAt: read?.readAt ?? null,
    readDisposition: read?.readDisposition ?? null,
    editedAt: m.editedAt,
    editHistory: m.editHistory,
    deletedAt,
    deletedForAll: m.deletedForAll,
  };
}

export function contactView(store: Store, ownerId: string, contactId: string): Obj | null {
  const u = store.users.get(contactId);
  if (!u || contactId === ownerId) return null;
  const p = store.presence.get(contactId);
  const prefs = store.contactPrefs.get(`${ownerId}\n${contactId}`);
  const expired = p?.expiresAt && Date.parse(p.expiresAt) <= Date.now();
  return {
    id: u.id,
    login: u.login,
    displayName: prefs?.displayName ?? u.displayName,
    firstSeenAt: u.firstSeenAt,
    lastSeenAt: u.lastSeenAt,
    presence: visiblePresence(p?.presence ?? 'offline'),
    lastActiveAt: u.lastActiveAt,
    statusText: expired ? null : (p?.statusText ?? null),
    statusEmoji: expired ? null : (p?.statusEmoji ?? null),
    endpoints: [],
    blocked: prefs?.blocked ?? false,
  };
}

export function spaceView(store: Store, s: SpaceRec, userId: string): Obj | null {
  const member = store.member(s, userId);
  const restricted = {
    id: s.id,
    name: s.name,
    description: s.description,
    iconBlobId: s.iconBlobId,
    memberCount: s.members.length,
    createdAt: s.createdAt,
    isPublic: s.isPublic,
    isPubliclyPreviewable: s.isPubliclyPreviewable,
  };
  if (!member) return null;
  const channels = [...store.chats.values()]
    .filter((c) => c.kind === 'channel' && c.spaceId === s.id && store.isParticipant(c, userId))
    .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
  return {
    ...restricted,
    roles: s.roles,
    members: s.members,
    categories: s.categories.map((cat) => ({
      ...cat,
      channelIds: channels.filter((c) => c.categoryId === cat.id).map((c) => c.id),
    })),
    uncategorizedChannelIds: channels
      .filter((c) => !c.categoryId || !s.categories.some((cat) => cat.id === c.categoryId))
      .map((c) => c.id),
  };
}

/** The view a non-member gets of a previewable Space (draft: Space/get). */
export function restrictedSpaceView(s: SpaceRec): Obj {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    iconBlobId: s.iconBlobId,
    memberCount: s.members.length,
    createdAt: s.createdAt,
    isPublic: s.isPublic,
    isPubliclyPreviewable: s.isPubliclyPreviewable,
  };
}

export function quotaViews(store: Store, userId: string): Obj[] {
  let count = 0;
  for (const m of store.messages.values()) if (m.senderId === userId) count++;
  let octets = 0;
  for (const b of store.blobs.values()) if (b.owners.has(userId)) octets += b.data.length;
  return [
    {
      id: 'messages',
      resourceType: 'count',
      used: count,
      hardLimit: store.limits.messageQuota,
      warnLimit: Math.floor(store.limits.messageQuota * 0.9),
      scope: 'account',
      name: 'Messages sent',
      types: ['Message'],
      description: 'Messages this account has sent',
    },
    {
      id: 'storage',
      resourceType: 'octets',
      used: octets,
      hardLimit: store.limits.storageQuota,
      warnLimit: Math.floor(store.limits.storageQuota * 0.9),
      scope: 'account',
      name: 'Blob storage',
      types: ['Message', 'CustomEmoji', 'Space'],
      description: 'Bytes of uploaded blobs',
    },
  ];
}

/** Every object of a type the account can see, keyed by id. */
export function viewsOf(store: Store, userId: string, type: DataType): Map<string, Obj> {
  const out = new Map<string, Obj>();
  const put = (v: Obj | null) => {
    if (v) out.set(v.id as string, v);
  };
  switch (type) {
    case 'ChatContact':
      for (const id of store.users.keys()) put(contactView(store, userId, id));
      break;
    case 'Chat':
      for (const id of store.chats.keys()) put(chatView(store, id, userId));
      break;
    case 'Message': {
      for (const [chatId, list] of store.messagesByChat) {
        const chat = store.chats.get(chatId);
        if (!chat || !store.isParticipant(chat, userId)) continue;
        const counts = new Map<string, number>();
        for (const m of list)
          if (m.threadRootId && !m.hiddenFor.has(userId))
            counts.set(m.threadRootId, (counts.get(m.threadRootId) ?? 0) + 1);
        for (const m of list) put(messageView(store, m, userId, counts));
      }
      break;
    }
    case 'ReadPosition':
      for (const c of store.chats.values()) {
        if (!store.isParticipant(c, userId)) continue;
        const pu = store.perUser(c, userId);
        put({
          id: `rp-${c.id}`,
          chatId: c.id,
          lastReadMessageId: pu.lastReadMessageId,
          lastReadAt: pu.lastReadAt,
        });
      }
      break;
    case 'PresenceStatus': {
      const p = store.presence.get(userId);
      if (p) put({ id: 'presence', ...p });
      break;
    }
    case 'Space':
      for (const s of store.spaces.values()) put(spaceView(store, s, userId));
      break;
    case 'SpaceInvite':
      for (const i of store.invites.values()) {
        const s = store.spaces.get(i.spaceId);
        if (s && (i.createdBy === userId || store.can(s, userId, 'manage_members'))) put({ ...i });
      }
      break;
    case 'SpaceBan':
      for (const b of store.bans.values()) {
        const s = store.spaces.get(b.spaceId);
        if (b.userId === userId || (s && store.can(s, userId, 'ban'))) put({ ...b });
      }
      break;
    case 'CustomEmoji':
      for (const e of store.emoji.values())
        if (!e.spaceId || store.spaceMember(e.spaceId, userId)) put({ ...e });
      break;
    case 'Quota':
      for (const q of quotaViews(store, userId)) put(q);
      break;
  }
  return out;
}
