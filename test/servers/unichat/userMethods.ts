// ping, version, register, login, logout, me, update_me, get_user,
// search_user, create_sse_auth_code and contacts.
import { parseDataUrl } from './dataUrl.js';
import {
  RpcError,
  isoTime,
  long,
  optBool,
  optLong,
  optString,
  requireUser,
  string,
  type Args,
  type Ctx,
  type MethodTable,
} from './rpc.js';
import type { User } from './store.js';
import { privateUser, publicUser } from './wire.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MIN_PASSWORD = 6;

export function userMethods(ctx: Ctx): MethodTable {
  const { store } = ctx;

  /** add_contact / delete_contact name the other user by exactly one key. */
  function contactTarget(args: Args): User {
    const keys = ['email', 'nick', 'user_id'].filter((k) => args[k] !== undefined);
    if (keys.length !== 1)
      throw new RpcError('invalid_arguments', 'give exactly one of email, nick, user_id');
    const email = optString(args, 'email');
    const nick = optString(args, 'nick');
    const id = optLong(args, 'user_id');
    const found = email
      ? store.userByEmail(email)
      : nick
        ? [...store.users.values()].find((u) => u.nick === nick)
        : store.users.get(id ?? -1);
    if (!found) throw new RpcError('not_found', 'no such user');
    return found;
  }

  function contactRecord(ownerId: number, userId: number) {
    const c = store.contacts.find((x) => x.ownerId === ownerId && x.userId === userId)!;
    const mutual = store.contacts.find((x) => x.ownerId === userId && x.userId === ownerId);
    const u = store.users.get(userId)!;
    return {
      blocked_at: null,
      confirmed_at: mutual
        ? isoTime(mutual.createdAt > c.createdAt ? mutual.createdAt : c.createdAt)
        : null,
      created_at: isoTime(c.createdAt),
      updated_at: isoTime(c.updatedAt),
      user: { id: u.id, nick: u.nick },
    };
  }

  const contacts: MethodTable[string] = (call) => {
    const me = requireUser(call);
    return {
      contacts: store.contacts
        .filter((c) => c.ownerId === me.id)
        .map((c) => contactRecord(me.id, c.userId)),
    };
  };

  return {
    ping: ({ args }) => ({ pong: optString(args, 'ping') ?? optString(args, 'text') ?? 'pong' }),
    version: () => ({ version: '0.1.0-reference', api_level: 1, min_api_level: 1 }),

    register: ({ args }) => {
      const email = string(args, 'email');
      const password = string(args, 'password');
      if (!EMAIL.test(email) || store.userByEmail(email))
        throw new RpcError('invalid_email', 'the email is invalid or already registered');
      if (password.length < MIN_PASSWORD)
        throw new RpcError('registration_error', `the password needs ${MIN_PASSWORD} characters`);
      const user = store.addUser(email, password);
      return { user: privateUser(ctx, user, null) };
    },

    login: ({ args }) => {
      const authToken = optString(args, 'auth_token');
      if (authToken !== null) {
        const userId = store.sessions.get(authToken);
        if (userId === undefined) throw new RpcError('auth_failed', 'unknown auth_token');
        return { user: privateUser(ctx, store.users.get(userId)!, authToken) };
      }
      const user = store.userByEmail(string(args, 'email'));
      if (!user || user.password !== string(args, 'password'))
        throw new RpcError('auth_failed', 'wrong email or password');
      return { user: privateUser(ctx, user, store.newSession(user.id)) };
    },

    logout: (call) => {
      requireUser(call);
      store.sessions.delete(call.token!);
      ctx.hub.endSession(call.token!);
      return {};
    },

    me: (call) => ({ user: privateUser(ctx, requireUser(call), call.token) }),

    update_me: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const password = optString(args, 'password');
      if (password !== null) {
        if (optString(args, 'current_password') !== me.password)
          throw new RpcError('auth_failed', 'current_password is wrong');
        if (password.length < MIN_PASSWORD)
          throw new RpcError('invalid_password', `the password needs ${MIN_PASSWORD} characters`);
      }
      const nick = optString(args, 'nick');
      if (nick !== null && !nick.trim()) throw new RpcError('invalid_arguments', 'nick: empty');
      if (nick !== null && [...store.users.values()].some((u) => u.nick === nick && u !== me))
        throw new RpcError('nick_taken', 'that nick is used by another user');
      const avatar = optString(args, 'avatar');
      const searchable = optBool(args, 'searchable_nick');
      const status = optString(args, 'status');
      if (status !== null && !['', 'away', 'busy', 'do_not_disturb'].includes(status))
        throw new RpcError('invalid_arguments', 'status: one of away, busy, do_not_disturb');
      // Validated all before changing anything.
      if (password !== null) me.password = password;
      if (nick !== null) me.nick = nick;
      if (searchable !== null) me.searchableNick = searchable;
      if (status !== null) me.status = status || null;
      if (avatar !== null) {
        const { contentType, data } = parseDataUrl(avatar, 'avatar');
        me.avatar = store.addFile(contentType, 'avatar', data);
      }
      return { user: privateUser(ctx, me, call.token) };
    },

    get_user: (call) => {
      requireUser(call);
      const u = store.users.get(long(call.args, 'user_id'));
      if (!u) throw new RpcError('not_found', 'no such user');
      return { user: publicUser(ctx, u) };
    },

    search_user: (call) => {
      const me = requireUser(call);
      const prefix = string(call.args, 'nick_prefix').toLowerCase();
      if (!prefix) throw new RpcError('invalid_arguments', 'nick_prefix: empty');
      const users = [...store.users.values()].filter(
        (u) => u !== me && u.searchableNick && u.nick.toLowerCase().startsWith(prefix),
      );
      return { users: users.map((u) => publicUser(ctx, u)) };
    },

    create_sse_auth_code: (call) => ({ code: ctx.hub.newCode(requireUser(call).id, call.token!) }),

    get_contacts: contacts,
    contacts,

    add_contact: (call) => {
      const me = requireUser(call);
      const other = contactTarget(call.args);
      if (other === me) throw new RpcError('invalid_arguments', 'you cannot add yourself');
      const now = new Date();
      const existing = store.contacts.find((c) => c.ownerId === me.id && c.userId === other.id);
      if (existing) existing.updatedAt = now;
      else
        store.contacts.push({ ownerId: me.id, userId: other.id, createdAt: now, updatedAt: now });
      return { contact: contactRecord(me.id, other.id) };
    },

    delete_contact: (call) => {
      const me = requireUser(call);
      const other = contactTarget(call.args);
      const i = store.contacts.findIndex((c) => c.ownerId === me.id && c.userId === other.id);
      if (i < 0) throw new RpcError('not_found', 'not in your contacts');
      store.contacts.splice(i, 1);
      return { result: true };
    },
  };
}
