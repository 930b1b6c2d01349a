// Users (register, login, sessions, password and account key, profile,
// photos, device, search) and contacts.
import { basic, bearer, type Ctx } from './context.js';
import {
  Abort,
  OK,
  bool,
  int,
  intParam,
  isUuid,
  json,
  obj,
  optObj,
  optStr,
  str,
  uuidParam,
  type Obj,
  type Router,
} from './http.js';
import { mediaFromBody } from './media.js';
import { newUuid, type DeviceInfo, type Transport } from './store.js';
import { privateInfo, userInfo } from './wire.js';

const TRANSPORTS: Transport[] = ['none', 'apns', 'fcm', 'web'];

function deviceInfo(o: Obj): DeviceInfo {
  const id = str(o, 'id');
  if (!isUuid(id)) throw new Abort(400, "Value of type 'UUID' required for key 'id'.");
  const transport = str(o, 'transport') as Transport;
  if (!TRANSPORTS.includes(transport))
    throw new Abort(400, `Cannot initialize Transport from invalid String value ${transport}`);
  const token = optStr(o, 'token');
  return { id: id.toUpperCase(), name: str(o, 'name'), model: str(o, 'model'), token, transport };
}

/** Swift normalizes names; letters, digits and spaces only. */
function validName(name: string): string {
  const n = name.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (!/^[\p{L}\p{N} ]+$/u.test(n)) throw new Abort(400, 'Name should consist of letters.');
  return n;
}
function validUsername(username: string): string {
  const u = username.toLowerCase();
  if (!/^\p{L}[\p{L}\p{N}]{4,24}$/u.test(u))
    throw new Abort(
      400,
      'Username should be at least 5 characters length, start with letter and consist of letters and digits.',
    );
  return u;
}
function validPassword(p: string): string {
  if (p.length < 8 || p.length > 25)
    throw new Abort(400, 'Password should be at least 8 characters length.');
  return p;
}
function validAccountKey(k: string): string {
  if (k.length < 25 || k.length > 100)
    throw new Abort(400, 'Key should be at least 25 characters length.');
  return k;
}

export function userRoutes(router: Router, ctx: Ctx): void {
  const { store } = ctx;

  router.on('POST', '/users', (req) => {
    const body = json(req);
    const name = validName(str(body, 'name'));
    const username = validUsername(str(body, 'username'));
    const password = validPassword(str(body, 'password'));
    const device = deviceInfo(obj(body, 'deviceInfo'));
    // The real server's unique index fails the insert: a 500, not a 4xx.
    if (store.userByUsername(username)) throw new Error('duplicate username');
    const user = store.addUser(name, username, password);
    store.addSession(user.id, device, req.remoteAddress);
    return privateInfo(store, user);
  });

  router.on('POST', '/users/login', (req) => {
    const user = basic(ctx, req);
    // The login body is a bare DeviceInfo at the root (not {"deviceInfo": …}).
    store.addSession(user.id, deviceInfo(json(req)), req.remoteAddress);
    return privateInfo(store, user);
  });

  router.on('GET', '/users/me', (req) => privateInfo(store, bearer(ctx, req).user));

  router.on('POST', '/users/me/logout', (req) => {
    const { user } = bearer(ctx, req);
    ctx.hub.detach(store.dropSessions(user.id));
    return OK;
  });

  router.on('PUT', '/users/me/changePassword', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const oldPassword = str(body, 'oldPassword');
    const newPassword = validPassword(str(body, 'newPassword'));
    if (!store.checkPassword(user, oldPassword)) throw new Abort(403, 'Invalid user or password.');
    store.setPassword(user, newPassword);
    return OK;
  });

  router.on('PUT', '/users/me/setAccountKey', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const password = str(body, 'password');
    const key = validAccountKey(str(body, 'accountKey'));
    if (!store.checkPassword(user, password)) throw new Abort(403, 'Invalid user or password.');
    store.setAccountKey(user, key);
    return OK;
  });

  router.on('POST', '/users/resetPassword', (req) => {
    const body = json(req);
    const user = store.users.get(int(body, 'userId'));
    const newPassword = validPassword(str(body, 'newPassword'));
    const key = str(body, 'accountKey');
    if (!user) throw new Abort(404, 'User was not found.');
    if (!store.checkAccountKey(user, key)) throw new Abort(403, 'Invalid user or account key.');
    store.setPassword(user, newPassword);
    return OK;
  });

  router.on('PUT', '/users/me', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const name = optStr(body, 'name');
    const about = optStr(body, 'about');
    const photo = optObj(body, 'photo');
    const media = photo ? mediaFromBody(photo, { id: 'client', preview: [100, 100] }) : undefined;
    if (name !== undefined) user.name = validName(name);
    if (about !== undefined) user.about = about;
    if (media) user.photos.push(media);
    user.lastAccess = new Date();
    return userInfo(user, { full: true, photos: true });
  });

  router.on('PUT', '/users/me/device', (req) => {
    const { user, session } = bearer(ctx, req);
    const body = json(req);
    session.deviceInfo.name = str(body, 'deviceName');
    const token = optStr(body, 'deviceToken');
    if (token !== undefined) session.deviceInfo.token = token;
    session.updatedAt = new Date();
    return privateInfo(store, user);
  });

  router.on('POST', '/users/me/photos', (req) => {
    const { user } = bearer(ctx, req);
    user.photos.push(mediaFromBody(obj(json(req), 'photo'), { id: 'client', preview: [100, 100] }));
    return userInfo(user, { full: true, photos: true });
  });

  router.on('DELETE', '/users/me/photos/:', (req) => {
    const { user } = bearer(ctx, req);
    const id = uuidParam(req, 0);
    const owner = [...store.users.values()].find((u) => u.photos.some((p) => p.id === id));
    if (!owner) throw new Abort(404, 'Media resource is missing.');
    if (owner.id !== user.id) throw new Abort(403);
    const photo = user.photos.find((p) => p.id === id)!;
    user.photos = user.photos.filter((p) => p !== photo);
    store.deleteMediaFiles(photo);
    return OK;
  });

  router.on('DELETE', '/users/me', (req) => {
    const { user } = bearer(ctx, req);
    ctx.hub.detach(store.sessionsOf(user.id).map((s) => s.id));
    store.deleteUser(user.id);
    return OK;
  });

  router.on('GET', '/users/:', (req) => {
    const user = store.users.get(intParam(req, 0, 'User'));
    if (!user) throw new Abort(404);
    return userInfo(user, { full: true, photos: true });
  });

  router.on('GET', '/users', (req) => {
    bearer(ctx, req);
    const s = (req.query.get('search') ?? req.query.get('s') ?? '').toLowerCase().trim();
    if (s.length < 2) throw new Abort(404);
    if (/^\d+$/.test(s)) {
      const u = store.users.get(Number(s));
      return u ? [userInfo(u, { photos: true })] : [];
    }
    return [...store.users.values()]
      .filter((u) => u.name.toLowerCase().includes(s) || u.username.includes(s))
      .slice(0, 100)
      .map((u) => userInfo(u, { photos: true }));
  });

  // ------------------------------------------------------------ contacts

  const contactInfo = (c: {
    id: string;
    name?: string;
    isFavorite: boolean;
    isBlocked: boolean;
    userId: number;
  }) => {
    const u = store.users.get(c.userId);
    return {
      id: c.id,
      name: c.name,
      isFavorite: c.isFavorite,
      isBlocked: c.isBlocked,
      user: u ? userInfo(u) : { id: c.userId, name: '', username: '' },
    };
  };

  router.on('GET', '/users/me/contacts', (req) => {
    const { user } = bearer(ctx, req);
    return [...store.contacts.values()].filter((c) => c.ownerId === user.id).map(contactInfo);
  });

  router.on('POST', '/users/me/contacts', (req) => {
    const { user } = bearer(ctx, req);
    // Decoded as a whole ContactInfo: both flags and the user's username are required keys.
    const body = json(req);
    const isFavorite = bool(body, 'isFavorite');
    const isBlocked = bool(body, 'isBlocked');
    const target = obj(body, 'user');
    const userId = int(target, 'id');
    str(target, 'username');
    const name = optStr(body, 'name');
    if (!store.users.has(userId)) throw new Abort(404, 'User was not found.');
    const existing = [...store.contacts.values()].find(
      (c) => c.ownerId === user.id && c.userId === userId,
    );
    if (existing) return contactInfo(existing);
    const contact = { id: newUuid(), ownerId: user.id, userId, name, isFavorite, isBlocked };
    store.contacts.set(contact.id, contact);
    return contactInfo(contact);
  });

  router.on('DELETE', '/users/me/contacts/:', (req) => {
    const { user } = bearer(ctx, req);
    const id = uuidParam(req, 0);
    const c = store.contacts.get(id);
    if (!c || c.ownerId !== user.id) throw new Abort(404, 'Contact not found.');
    store.contacts.delete(id);
    return OK;
  });
}
