// Space (semantic update keys, not JSON pointers), Space/join, SpaceInvite,
// SpaceBan and CustomEmoji, with the permission checks of the draft's role model.
import { randomBytes } from 'node:crypto';
import {
  applyPatch,
  changedProps,
  isObj,
  isUtcDate,
  MethodError,
  SetErr,
  type MethodCtx,
  type QuerySpec,
  type SetSpec,
} from './framework.js';
import { PERMISSIONS, ulid, utc, type ChatRec, type Obj, type SpaceRec } from './store.js';
import { restrictedSpaceView } from './views.js';

const SPACE_KEYS = [
  'addRoles',
  'removeRoles',
  'updateRoles',
  'addMembers',
  'removeMembers',
  'updateMembers',
  'addChannels',
  'removeChannels',
  'updateChannels',
  'addCategories',
  'removeCategories',
  'updateCategories',
];

const arr = (v: unknown, prop: string): unknown[] => {
  if (!Array.isArray(v))
    throw new SetErr('invalidProperties', `${prop} must be an array`, { properties: [prop] });
  return v;
};
const cmpStr = (a: unknown, b: unknown) => {
  const x = String(a ?? '').toLowerCase();
  const y = String(b ?? '').toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};
const perms = (v: unknown) =>
  Array.isArray(v)
    ? v.filter((p): p is string => (PERMISSIONS as readonly string[]).includes(p))
    : [];

export function spaceSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  const memberSpace = (id: string): SpaceRec => {
    const s = store.spaces.get(id);
    if (!s || !store.member(s, me)) throw new SetErr('notFound');
    return s;
  };
  const need = (s: SpaceRec, p: string) => {
    if (!store.can(s, me, p)) throw new SetErr('forbidden', `needs the ${p} permission`);
  };
  const removeChannel = (c: ChatRec) => {
    for (const m of store.messagesByChat.get(c.id) ?? []) store.messages.delete(m.id);
    store.messagesByChat.delete(c.id);
    store.chats.delete(c.id);
  };
  return {
    commitTypes: [
      'Space',
      'Chat',
      'Message',
      'ReadPosition',
      'SpaceInvite',
      'SpaceBan',
      'CustomEmoji',
    ],
    create(o) {
      if (typeof o.name !== 'string' || !o.name.trim())
        throw new SetErr('invalidProperties', 'a Space needs a name', { properties: ['name'] });
      const now = utc();
      const admin = {
        id: ulid(),
        name: 'Admin',
        color: null,
        permissions: [...PERMISSIONS],
        position: 1,
      };
      const s: SpaceRec = {
        id: ulid(),
        name: o.name,
        description: typeof o.description === 'string' ? o.description : null,
        iconBlobId: typeof o.iconBlobId === 'string' ? o.iconBlobId : null,
        roles: [admin],
        members: [{ id: me, roleIds: [admin.id], nick: null, joinedAt: now }],
        categories: [],
        createdAt: now,
        createdBy: me,
        isPublic: o.isPublic === true,
        isPubliclyPreviewable: o.isPubliclyPreviewable === true,
      };
      store.spaces.set(s.id, s);
      return { id: s.id };
    },
    update(id, patch) {
      const s = memberSpace(id);
      const plain: Obj = {};
      const semantic: Obj = {};
      for (const [k, v] of Object.entries(patch))
        (SPACE_KEYS.includes(k) ? semantic : plain)[k] = v;
      const before = restrictedSpaceView(s);
      const changes = changedProps(before, applyPatch(before, plain));
      for (const [k, v] of Object.entries(changes)) {
        if (!['name', 'description', 'iconBlobId', 'isPublic', 'isPubliclyPreviewable'].includes(k))
          throw new SetErr('invalidProperties', `cannot change ${k}`, { properties: [k] });
        need(s, 'manage_space');
        if (k === 'name' && (typeof v !== 'string' || !v.trim()))
          throw new SetErr('invalidProperties', 'name', { properties: [k] });
        (s as unknown as Obj)[k] = v;
      }
      const now = utc();
      // Work on copies so a failing key leaves the Space unchanged.
      let roles = s.roles.map((r) => ({ ...r }));
      let members = s.members.map((m) => ({ ...m }));
      let categories = s.categories.map((c) => ({ ...c }));
      const addChannels: ChatRec[] = [];
      const channelEdits: (() => void)[] = [];
      const removeChannels: ChatRec[] = [];
      for (const [k, v] of Object.entries(semantic)) {
        const list = arr(v, k);
        switch (k) {
          case 'addRoles':
            need(s, 'manage_roles');
            for (const r of list) {
              if (!isObj(r) || typeof r.name !== 'string')
                throw new SetErr('invalidProperties', 'a role needs a name', { properties: [k] });
              roles.push({
                id: ulid(),
                name: r.name,
                color: typeof r.color === 'string' ? r.color : null,
                permissions: perms(r.permissions),
                position:
                  typeof r.position === 'number' && r.position > 0 ? r.position : roles.length + 1,
              });
            }
            break;
          case 'removeRoles':
            need(s, 'manage_roles');
            roles = roles.filter((r) => !list.includes(r.id));
            members = members.map((m) => ({
              ...m,
              roleIds: m.roleIds.filter((r) => !list.includes(r)),
            }));
            break;
          case 'updateRoles':
            need(s, 'manage_roles');
            for (const u of list) {
              const r = isObj(u) ? roles.find((x) => x.id === u.id) : undefined;
              if (!r || !isObj(u))
                throw new SetErr('invalidProperties', 'no such role', { properties: [k] });
              if (typeof u.name === 'string') r.name = u.name;
              if ('color' in u) r.color = typeof u.color === 'string' ? u.color : null;
              if ('permissions' in u) r.permissions = perms(u.permissions);
              if (typeof u.position === 'number' && u.position > 0) r.position = u.position;
            }
            break;
          case 'addMembers':
            need(s, 'manage_members');
            for (const a of list) {
              const uid = isObj(a) ? a.id : a;
              if (typeof uid !== 'string' || !store.users.has(uid))
                throw new SetErr('invalidProperties', 'no such user', { properties: [k] });
              if (store.activeBan(s.id, uid)) throw new SetErr('forbidden', `${uid} is banned`);
              if (members.some((m) => m.id === uid)) continue;
              members.push({
                id: uid,
                roleIds: isObj(a) && Array.isArray(a.roleIds) ? (a.roleIds as string[]) : [],
                nick: isObj(a) && typeof a.nick === 'string' ? a.nick : null,
                joinedAt: now,
              });
            }
            break;
          case 'removeMembers':
            if (!(list.length === 1 && list[0] === me)) need(s, 'manage_members');
            if (list.includes(s.createdBy) && s.createdBy !== me)
              throw new SetErr('forbidden', 'the owner cannot be removed');
            members = members.filter((m) => !list.includes(m.id));
            break;
          case 'updateMembers':
            for (const u of list) {
              const m = isObj(u) ? members.find((x) => x.id === u.id) : undefined;
              if (!m || !isObj(u))
                throw new SetErr('invalidProperties', 'not a member', { properties: [k] });
              if ('roleIds' in u) {
                need(s, 'manage_roles');
                m.roleIds = arr(u.roleIds, k).filter((r): r is string =>
                  roles.some((x) => x.id === r),
                );
              }
              if ('nick' in u) {
                if (m.id !== me) need(s, 'manage_members');
                m.nick = typeof u.nick === 'string' ? u.nick : null;
              }
            }
            break;
          case 'addChannels':
            need(s, 'manage_channels');
            for (const c of list) {
              if (!isObj(c) || typeof c.name !== 'string' || !c.name.trim())
                throw new SetErr('invalidProperties', 'a channel needs a name', {
                  properties: [k],
                });
              addChannels.push({
                id: ulid(),
                kind: 'channel',
                members: [],
                name: c.name,
                description: null,
                avatarBlobId: null,
                spaceId: s.id,
                categoryId: typeof c.categoryId === 'string' ? c.categoryId : null,
                position: typeof c.position === 'number' ? c.position : 0,
                topic: typeof c.topic === 'string' ? c.topic : null,
                slowModeSeconds: typeof c.slowModeSeconds === 'number' ? c.slowModeSeconds : 0,
                permissionOverrides: [],
                createdAt: now,
                lastMessageAt: null,
                pinnedMessageIds: [],
                messageExpirySeconds: null,
                perUser: new Map(),
              });
            }
            break;
          case 'removeChannels':
            need(s, 'manage_channels');
            for (const id of list) {
              const c = store.chats.get(String(id));
              if (!c || c.spaceId !== s.id)
                throw new SetErr('invalidProperties', 'no such channel', { properties: [k] });
              removeChannels.push(c);
            }
            break;
          case 'updateChannels':
            need(s, 'manage_channels');
            for (const u of list) {
              const c = isObj(u) ? store.chats.get(String(u.id)) : undefined;
              if (!c || c.spaceId !== s.id || !isObj(u))
                throw new SetErr('invalidProperties', 'no such channel', { properties: [k] });
              channelEdits.push(() => {
                if (typeof u.name === 'string') c.name = u.name;
                if ('topic' in u) c.topic = typeof u.topic === 'string' ? u.topic : null;
                if ('categoryId' in u)
                  c.categoryId = typeof u.categoryId === 'string' ? u.categoryId : null;
                if (typeof u.position === 'number') c.position = u.position;
                if (typeof u.slowModeSeconds === 'number') c.slowModeSeconds = u.slowModeSeconds;
                if (Array.isArray(u.permissionOverrides))
                  c.permissionOverrides = u.permissionOverrides as ChatRec['permissionOverrides'];
              });
            }
            break;
          case 'addCategories':
            need(s, 'manage_channels');
            for (const c of list) {
              if (!isObj(c) || typeof c.name !== 'string')
                throw new SetErr('invalidProperties', 'a category needs a name', {
                  properties: [k],
                });
              categories.push({
                id: ulid(),
                name: c.name,
                position: typeof c.position === 'number' ? c.position : categories.length,
              });
            }
            break;
          case 'removeCategories':
            need(s, 'manage_channels');
            categories = categories.filter((c) => !list.includes(c.id));
            break;
          case 'updateCategories':
            need(s, 'manage_channels');
            for (const u of list) {
              const c = isObj(u) ? categories.find((x) => x.id === u.id) : undefined;
              if (!c || !isObj(u))
                throw new SetErr('invalidProperties', 'no such category', { properties: [k] });
              if (typeof u.name === 'string') c.name = u.name;
              if (typeof u.position === 'number') c.position = u.position;
            }
            break;
        }
      }
      s.roles = roles;
      s.members = members;
      s.categories = categories;
      for (const c of addChannels) store.chats.set(c.id, c);
      for (const edit of channelEdits) edit();
      for (const c of removeChannels) removeChannel(c);
    },
    destroy(id) {
      const s = memberSpace(id);
      if (s.createdBy !== me) need(s, 'manage_space');
      for (const c of [...store.chats.values()]) if (c.spaceId === s.id) removeChannel(c);
      for (const [k, v] of store.invites) if (v.spaceId === s.id) store.invites.delete(k);
      for (const [k, v] of store.bans) if (v.spaceId === s.id) store.bans.delete(k);
      for (const [k, v] of store.emoji) if (v.spaceId === s.id) store.emoji.delete(k);
      store.spaces.delete(s.id);
    },
  };
}

export function spaceQuery(ctx: MethodCtx): QuerySpec {
  const { store } = ctx;
  return {
    match(v, f) {
      for (const [k, want] of Object.entries(f)) {
        if (k === 'name') {
          if (!String(v.name).toLowerCase().includes(String(want).toLowerCase())) return false;
        } else if (k === 'isPublic') {
          if (v.isPublic !== want) return false;
        } else throw new MethodError('unsupportedFilter', `Space filter ${k}`);
      }
      return true;
    },
    sorts: {
      name: (a, b) => cmpStr(a.name, b.name),
      createdAt: (a, b) => cmpStr(a.createdAt, b.createdAt),
    },
    defaultSort: () => [{ property: 'name', isAscending: true }],
    // Public Spaces the account has not joined are found with filter isPublic: true.
    extra: (f) =>
      f?.isPublic === true
        ? [...store.spaces.values()]
            .filter((s) => s.isPublic && !store.member(s, ctx.user.id))
            .map(restrictedSpaceView)
        : [],
  };
}

/** Space/join (draft): exactly one of inviteCode and spaceId. */
export function spaceJoin(ctx: MethodCtx, args: Obj): Obj {
  const { store } = ctx;
  const me = ctx.user.id;
  const hasCode = typeof args.inviteCode === 'string';
  const hasId = typeof args.spaceId === 'string';
  if (hasCode === hasId)
    throw new MethodError('invalidArguments', 'give exactly one of inviteCode and spaceId');
  let spaceId: string;
  let invite = null;
  if (hasCode) {
    invite = [...store.invites.values()].find((i) => i.code === args.inviteCode) ?? null;
    if (
      !invite ||
      (invite.expiresAt && Date.parse(invite.expiresAt) <= Date.now()) ||
      (invite.maxUses !== null && invite.uses >= invite.maxUses)
    )
      throw new MethodError('invalidArguments', 'the invite code is unknown, expired or used up');
    spaceId = invite.spaceId;
  } else {
    spaceId = args.spaceId as string;
    const s = store.spaces.get(spaceId);
    if (!s || !s.isPublic) throw new MethodError('notPermitted', 'that Space is not public');
  }
  const s = store.spaces.get(spaceId);
  if (!s) throw new MethodError('invalidArguments', 'the Space no longer exists');
  if (store.activeBan(s.id, me))
    throw new MethodError('forbidden', 'you are banned from this Space');
  if (!store.member(s, me)) {
    s.members.push({ id: me, roleIds: [], nick: null, joinedAt: utc() });
    if (invite) invite.uses++;
    store.commit([
      'Space',
      'Chat',
      'Message',
      'ReadPosition',
      'SpaceInvite',
      'CustomEmoji',
      'SpaceBan',
    ]);
  }
  return { accountId: me, spaceId: s.id };
}

export function inviteSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  return {
    commitTypes: ['SpaceInvite'],
    create(o) {
      const s = typeof o.spaceId === 'string' ? store.spaces.get(o.spaceId) : undefined;
      if (!s || !store.member(s, me))
        throw new SetErr('invalidProperties', 'no such Space', { properties: ['spaceId'] });
      if (!store.can(s, me, 'manage_members'))
        throw new SetErr('forbidden', 'needs manage_members');
      if (o.expiresAt !== undefined && o.expiresAt !== null && !isUtcDate(o.expiresAt))
        throw new SetErr('invalidProperties', 'expiresAt', { properties: ['expiresAt'] });
      if (
        o.maxUses !== undefined &&
        o.maxUses !== null &&
        !(Number.isInteger(o.maxUses) && (o.maxUses as number) > 0)
      )
        throw new SetErr('invalidProperties', 'maxUses', { properties: ['maxUses'] });
      const channel = o.defaultChannelId ? store.chats.get(String(o.defaultChannelId)) : null;
      if (o.defaultChannelId && (!channel || channel.spaceId !== s.id))
        throw new SetErr('invalidProperties', 'defaultChannelId', {
          properties: ['defaultChannelId'],
        });
      const id = ulid();
      store.invites.set(id, {
        id,
        code: randomBytes(6).toString('base64url'),
        spaceId: s.id,
        defaultChannelId: channel?.id ?? null,
        createdBy: me,
        expiresAt: (o.expiresAt as string | undefined) ?? null,
        maxUses: (o.maxUses as number | undefined) ?? null,
        uses: 0,
        createdAt: utc(),
      });
      return { id };
    },
    update() {
      throw new SetErr('forbidden', 'invites cannot be changed; revoke and create another');
    },
    destroy(id) {
      const i = store.invites.get(id);
      const s = i && store.spaces.get(i.spaceId);
      if (!i || !s || !(i.createdBy === me || store.can(s, me, 'manage_members')))
        throw new SetErr('notFound');
      store.invites.delete(id);
    },
  };
}

export function banSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  const banner = (spaceId: unknown) => {
    const s = typeof spaceId === 'string' ? store.spaces.get(spaceId) : undefined;
    if (!s || !store.member(s, me))
      throw new SetErr('invalidProperties', 'no such Space', { properties: ['spaceId'] });
    if (!store.can(s, me, 'ban')) throw new SetErr('forbidden', 'needs the ban permission');
    return s;
  };
  return {
    commitTypes: [
      'SpaceBan',
      'Space',
      'Chat',
      'Message',
      'ReadPosition',
      'SpaceInvite',
      'CustomEmoji',
    ],
    create(o) {
      const s = banner(o.spaceId);
      const uid = o.userId;
      if (typeof uid !== 'string' || !store.users.has(uid))
        throw new SetErr('invalidProperties', 'no such user', { properties: ['userId'] });
      if (uid === me || uid === s.createdBy)
        throw new SetErr('forbidden', 'that user cannot be banned');
      if (o.expiresAt !== undefined && o.expiresAt !== null && !isUtcDate(o.expiresAt))
        throw new SetErr('invalidProperties', 'expiresAt', { properties: ['expiresAt'] });
      const id = ulid();
      store.bans.set(id, {
        id,
        spaceId: s.id,
        userId: uid,
        bannedBy: me,
        reason: typeof o.reason === 'string' ? o.reason : null,
        createdAt: utc(),
        expiresAt: (o.expiresAt as string | undefined) ?? null,
      });
      s.members = s.members.filter((m) => m.id !== uid);
      return { id };
    },
    update(id, patch) {
      const b = store.bans.get(id);
      if (!b) throw new SetErr('notFound');
      banner(b.spaceId);
      const before: Obj = { ...b };
      const changes = changedProps(before, applyPatch(before, patch));
      for (const [k, v] of Object.entries(changes)) {
        if (k === 'reason') b.reason = typeof v === 'string' ? v : null;
        else if (k === 'expiresAt') {
          if (v !== null && !isUtcDate(v))
            throw new SetErr('invalidProperties', k, { properties: [k] });
          b.expiresAt = v;
        } else throw new SetErr('invalidProperties', `cannot change ${k}`, { properties: [k] });
      }
    },
    destroy(id) {
      const b = store.bans.get(id);
      if (!b) throw new SetErr('notFound');
      banner(b.spaceId);
      store.bans.delete(id);
    },
  };
}

const EMOJI_NAME = /^[a-z0-9_-]+$/;

export function emojiSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  const mayManage = (spaceId: string | null, createdBy?: string) => {
    if (!spaceId) return false; // server-global emoji belong to the operator
    const s = store.spaces.get(spaceId);
    return !!s && (store.can(s, me, 'manage_space') || createdBy === me);
  };
  const checkBlob = (blobId: unknown) => {
    const b = typeof blobId === 'string' ? store.blobs.get(blobId) : undefined;
    if (!b || !store.blobReadable(b, me))
      throw new SetErr('invalidProperties', 'unknown blobId', { properties: ['blobId'] });
  };
  const taken = (name: string, spaceId: string | null, except?: string) =>
    [...store.emoji.values()].find(
      (e) => e.name === name && e.spaceId === spaceId && e.id !== except,
    );
  return {
    commitTypes: ['CustomEmoji'],
    create(o) {
      const spaceId = typeof o.spaceId === 'string' ? o.spaceId : null;
      if (spaceId && !store.spaceMember(spaceId, me))
        throw new SetErr('invalidProperties', 'no such Space', { properties: ['spaceId'] });
      if (!mayManage(spaceId)) throw new SetErr('forbidden', 'needs manage_space in the Space');
      if (typeof o.name !== 'string' || !EMOJI_NAME.test(o.name))
        throw new SetErr('invalidProperties', 'name: lowercase letters, digits, - and _', {
          properties: ['name'],
        });
      checkBlob(o.blobId);
      const existing = taken(o.name, spaceId);
      if (existing)
        throw new SetErr('alreadyExists', 'that name is taken', { existingId: existing.id });
      const id = ulid();
      store.emoji.set(id, {
        id,
        name: o.name,
        blobId: o.blobId as string,
        spaceId,
        createdBy: me,
        createdAt: utc(),
      });
      return { id };
    },
    update(id, patch) {
      const e = store.emoji.get(id);
      if (!e || (e.spaceId && !store.spaceMember(e.spaceId, me))) throw new SetErr('notFound');
      if (!mayManage(e.spaceId, e.createdBy)) throw new SetErr('forbidden');
      const before: Obj = { ...e };
      const changes = changedProps(before, applyPatch(before, patch));
      for (const [k, v] of Object.entries(changes)) {
        if (k === 'name') {
          if (typeof v !== 'string' || !EMOJI_NAME.test(v))
            throw new SetErr('invalidProperties', k, { properties: [k] });
          if (taken(v, e.spaceId, e.id)) throw new SetErr('alreadyExists');
          e.name = v;
        } else if (k === 'blobId') {
          checkBlob(v);
          e.blobId = v as string;
        } else throw new SetErr('invalidProperties', `cannot change ${k}`, { properties: [k] });
      }
    },
    destroy(id) {
      const e = store.emoji.get(id);
      if (!e || (e.spaceId && !store.spaceMember(e.spaceId, me))) throw new SetErr('notFound');
      if (!mayManage(e.spaceId, e.createdBy)) throw new SetErr('forbidden');
      store.emoji.delete(id);
    },
  };
}

export const emojiQuery: QuerySpec = {
  match(v, f) {
    for (const [k, want] of Object.entries(f)) {
      if (k === 'spaceId') {
        if ((v.spaceId ?? null) !== want) return false;
      } else throw new MethodError('unsupportedFilter', `CustomEmoji filter ${k}`);
    }
    return true;
  },
  sorts: { name: (a, b) => cmpStr(a.name, b.name) },
  defaultSort: () => [{ property: 'name', isAscending: true }],
};

/** /query for the types with little to filter on (spaceId where they have one). */
export const simpleQuery: QuerySpec = {
  match(v, f) {
    for (const [k, want] of Object.entries(f)) {
      if (k === 'spaceId' || k === 'chatId' || k === 'userId') {
        if (v[k] !== want) return false;
      } else throw new MethodError('unsupportedFilter', `filter ${k}`);
    }
    return true;
  },
  sorts: {
    createdAt: (a, b) => cmpStr(a.createdAt, b.createdAt),
    name: (a, b) => cmpStr(a.name, b.name),
  },
  defaultSort: () => [],
};
