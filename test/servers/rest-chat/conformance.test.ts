// Conformance of the REST chat reference server, in process (no daemon).
// Written from the documented API (seed 001: the chats, messages and notify
// sections, cited as "doc §<method>") and the notes on the running server
// (shared/protocols/rest-chat/NOTES.md, cited as "notes §1.x").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startRestChatServer, type RestChatServer } from './server.js';
import { REFERENCE_DATE_OFFSET } from './wire.js';

type Obj = Record<string, unknown>;
interface Reply {
  status: number;
  body: unknown;
  text: string;
}
interface Account {
  id: number;
  username: string;
  password: string;
  token: string;
}

let server: RestChatServer;
let userCounter = 0;

before(async () => {
  server = await startRestChatServer();
});
after(() => server.close());

const device = (name = 'laptop') => ({
  id: randomUUID(),
  name,
  model: 'test',
  transport: 'none',
});

async function call(
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

const ok = (r: Reply): Obj => {
  assert.equal(r.status, 200, r.text);
  return r.body as Obj;
};
const okList = (r: Reply): Obj[] => {
  assert.equal(r.status, 200, r.text);
  return r.body as Obj[];
};
/** notes §1.2: errors are `{"error": true, "reason": …}` with the HTTP status. */
function fails(r: Reply, status: number, reason?: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  const b = r.body as Obj;
  assert.equal(b.error, true, r.text);
  assert.equal(typeof b.reason, 'string');
  if (typeof reason === 'string') assert.equal(b.reason, reason);
  else if (reason) assert.match(String(b.reason), reason);
}

async function register(name = 'Test User'): Promise<Account> {
  const username = `user${++userCounter}x${Math.floor(Math.random() * 1e6)}`;
  const password = 'password123';
  const r = ok(
    await call(null, 'POST', '/users', { name, username, password, deviceInfo: device() }),
  );
  const info = r.info as Obj;
  const sessions = r.deviceSessions as Obj[];
  return { id: info.id as number, username, password, token: sessions[0]!.accessToken as string };
}

async function login(a: Account, dev = device()): Promise<Obj> {
  const basic = Buffer.from(`${a.username}:${a.password}`).toString('base64');
  return ok(await call(null, 'POST', '/users/login', dev, { authorization: `Basic ${basic}` }));
}

/** A second device session for the account (its own token). */
async function secondSession(a: Account): Promise<string> {
  const dev = device('phone');
  const r = await login(a, dev);
  const s = (r.deviceSessions as Obj[]).find(
    (x) => (x.deviceInfo as Obj).id === dev.id.toUpperCase(),
  );
  return s!.accessToken as string;
}

const localId = (a: Account) => `${a.id}+${randomUUID()}`;
const post = (a: Account, chatId: string, body: Obj) =>
  call(a.token, 'POST', `/chats/${chatId}/messages`, { localId: localId(a), ...body });

async function chat(owner: Account, others: Account[], extra: Obj = {}): Promise<Obj> {
  return ok(
    await call(owner.token, 'POST', '/chats', {
      participants: others.map((o) => o.id),
      ...extra,
    }),
  );
}

/** A websocket on one device session, collecting every frame it receives. */
class Socket {
  readonly frames: { binary: boolean; event: Obj }[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.frames.push({ binary: isBinary, event: JSON.parse(String(data)) as Obj });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(token: string | null, path = `/${randomUUID()}`): Promise<Socket> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const s = new Socket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // Registration happens right after the upgrade; give the server a turn.
    await new Promise((r) => setTimeout(r, 20));
    return s;
  }
  events(name: string): Obj[] {
    return this.frames.filter((f) => f.event.event === name).map((f) => f.event);
  }
  async waitFor(name: string, n = 1, ms = 2000): Promise<Obj[]> {
    const deadline = Date.now() + ms;
    while (this.events(name).length < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`waited for ${n} ${name} events, got ${this.events(name).length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events(name);
  }
  close(): void {
    this.ws.close();
  }
}
/** Lets frames that should not arrive have their chance to. */
const settle = () => new Promise((r) => setTimeout(r, 100));

// ------------------------------------------------------------ users

test('notes §1.4 POST /users: register answers {info, deviceSessions} with a base64 bearer token', async () => {
  const dev = device();
  const r = ok(
    await call(null, 'POST', '/users', {
      name: 'Ann Example',
      username: 'AnnExample7',
      password: 'password123',
      deviceInfo: dev,
    }),
  );
  const info = r.info as Obj;
  assert.equal(typeof info.id, 'number');
  assert.equal(info.username, 'annexample7', 'usernames are stored lower-case');
  const [session] = r.deviceSessions as Obj[];
  assert.match(String(session!.accessToken), /^[A-Za-z0-9+/]{43}=$/);
  assert.equal((session!.deviceInfo as Obj).id, dev.id.toUpperCase());
  assert.match(
    String(session!.createdAt),
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'ISO dates without fractions',
  );
  ok(await call(String(session!.accessToken), 'GET', '/users/me'));
});

test('notes §1.3: registration validates name, username and password; a taken username is a 500', async () => {
  const base = {
    name: 'Bo',
    username: 'bobexample',
    password: 'password123',
    deviceInfo: device(),
  };
  fails(
    await call(null, 'POST', '/users', { ...base, name: 'Bo!' }),
    400,
    'Name should consist of letters.',
  );
  fails(
    await call(null, 'POST', '/users', { ...base, username: 'bob' }),
    400,
    /at least 5 characters/,
  );
  fails(
    await call(null, 'POST', '/users', { ...base, username: '1bobby' }),
    400,
    /start with letter/,
  );
  fails(
    await call(null, 'POST', '/users', { ...base, password: 'short' }),
    400,
    /at least 8 characters/,
  );
  const { deviceInfo: _omit, ...noDevice } = base;
  fails(await call(null, 'POST', '/users', noDevice), 400, /deviceInfo/);
  ok(await call(null, 'POST', '/users', base));
  fails(await call(null, 'POST', '/users', { ...base, deviceInfo: device() }), 500);
});

test('notes §1.3/§1.4 POST /users/login: HTTP Basic with a bare DeviceInfo adds a session; bad credentials are 401', async () => {
  const a = await register();
  const r = await login(a);
  const sessions = r.deviceSessions as Obj[];
  assert.equal(sessions.length, 2);
  const tokens = sessions.map((s) => s.accessToken as string);
  for (const t of tokens) ok(await call(t, 'GET', '/users/me'));
  const wrong = Buffer.from(`${a.username}:not-the-password`).toString('base64');
  fails(
    await call(null, 'POST', '/users/login', device(), { authorization: `Basic ${wrong}` }),
    401,
    'Unauthorized',
  );
  const basic = Buffer.from(`${a.username}:${a.password}`).toString('base64');
  fails(
    await call(
      null,
      'POST',
      '/users/login',
      { deviceInfo: device() },
      { authorization: `Basic ${basic}` },
    ),
    400,
    /id/,
  );
});

test('notes §1.3: Bearer routes answer 401 without a token, with a fake one, and after logout (all sessions)', async () => {
  fails(await call(null, 'GET', '/chats'), 401, 'Unauthorized');
  fails(await call('bm90LWEtdG9rZW4=', 'GET', '/chats'), 401);
  const a = await register();
  const second = await secondSession(a);
  assert.equal(
    ok(await call(a.token, 'POST', '/users/me/logout')),
    undefined,
    'OK is an empty body',
  );
  fails(await call(a.token, 'GET', '/users/me'), 401);
  fails(await call(second, 'GET', '/users/me'), 401);
});

test('notes §1.4: change password, set an account key, and reset the password with it', async () => {
  const a = await register();
  fails(
    await call(a.token, 'PUT', '/users/me/changePassword', {
      oldPassword: 'wrong-one',
      newPassword: 'newpassword1',
    }),
    403,
    'Invalid user or password.',
  );
  ok(
    await call(a.token, 'PUT', '/users/me/changePassword', {
      oldPassword: a.password,
      newPassword: 'newpassword1',
    }),
  );
  a.password = 'newpassword1';
  await login(a);
  const key = 'k'.repeat(30);
  fails(
    await call(a.token, 'PUT', '/users/me/setAccountKey', {
      password: a.password,
      accountKey: 'short',
    }),
    400,
    /25 characters/,
  );
  ok(
    await call(a.token, 'PUT', '/users/me/setAccountKey', {
      password: a.password,
      accountKey: key,
    }),
  );
  fails(
    await call(null, 'POST', '/users/resetPassword', {
      userId: a.id,
      newPassword: 'resetpass1',
      accountKey: 'x'.repeat(30),
    }),
    403,
    'Invalid user or account key.',
  );
  fails(
    await call(null, 'POST', '/users/resetPassword', {
      userId: 999999,
      newPassword: 'resetpass1',
      accountKey: key,
    }),
    404,
    'User was not found.',
  );
  ok(
    await call(null, 'POST', '/users/resetPassword', {
      userId: a.id,
      newPassword: 'resetpass1',
      accountKey: key,
    }),
  );
  a.password = 'resetpass1';
  await login(a);
});

test('notes §1.4/§1.5: profile, device, photos, public user info, search, deregistration', async () => {
  const a = await register('Profile Person');
  const me = ok(
    await call(a.token, 'PUT', '/users/me', { name: 'Renamed Person', about: 'hello' }),
  );
  assert.equal(me.name, 'Renamed Person');
  assert.equal(me.about, 'hello');
  assert.ok(me.lastAccess, 'PUT /users/me sets lastAccess');
  fails(
    await call(a.token, 'PUT', '/users/me', { name: 'Bad/Name' }),
    400,
    'Name should consist of letters.',
  );

  const dev = ok(
    await call(a.token, 'PUT', '/users/me/device', {
      deviceName: 'Work laptop',
      deviceToken: 'push-1',
    }),
  );
  const info = (dev.deviceSessions as Obj[])[0]!.deviceInfo as Obj;
  assert.equal(info.name, 'Work laptop');
  assert.equal(info.token, 'push-1');
  fails(await call(a.token, 'PUT', '/users/me/device', {}), 400, /deviceName/);

  const photoId = randomUUID();
  fails(
    await call(a.token, 'POST', '/users/me/photos', { photo: { fileType: 'png', fileSize: 10 } }),
    400,
    'Media resource id is missing.',
  );
  fails(
    await call(a.token, 'POST', '/users/me/photos', {
      photo: { id: photoId, fileType: '', fileSize: 10 },
    }),
    400,
    'Media fileType or fileSize are missing.',
  );
  const withPhoto = ok(
    await call(a.token, 'POST', '/users/me/photos', {
      photo: { id: photoId, fileType: 'png', fileSize: 10 },
    }),
  );
  const [photo] = withPhoto.photos as Obj[];
  assert.equal(photo!.id, photoId.toUpperCase(), 'photos keep the client id');
  assert.equal(photo!.previewWidth, 100);

  const pub = ok(await call(null, 'GET', `/users/${a.id}`));
  assert.equal(pub.username, a.username);
  assert.equal((pub.photos as Obj[]).length, 1);
  fails(await call(null, 'GET', '/users/999999'), 404);
  fails(await call(null, 'GET', '/users/abc'), 400, 'User id was not found in the path.');

  const other = await register();
  fails(await call(other.token, 'DELETE', `/users/me/photos/${photoId}`), 403);
  ok(await call(a.token, 'DELETE', `/users/me/photos/${photoId}`));
  fails(
    await call(a.token, 'DELETE', `/users/me/photos/${photoId}`),
    404,
    'Media resource is missing.',
  );

  const found = okList(await call(other.token, 'GET', '/users?s=RENAMED'));
  assert.deepEqual(
    found.map((u) => u.id),
    [a.id],
  );
  assert.deepEqual(
    okList(await call(other.token, 'GET', `/users?search=${String(a.id).padStart(2, '0')}`)).map(
      (u) => u.id,
    ),
    [a.id],
  );
  fails(await call(other.token, 'GET', '/users?s=r'), 404);

  ok(await call(a.token, 'DELETE', '/users/me'));
  fails(await call(a.token, 'GET', '/users/me'), 401);
  fails(await call(null, 'GET', `/users/${a.id}`), 404);
});

test('notes §1.4 contacts: add (flags required, idempotent), list, delete', async () => {
  const a = await register();
  const b = await register('Contact Person');
  const user = { id: b.id, username: b.username, name: 'Contact Person' };
  fails(
    await call(a.token, 'POST', '/users/me/contacts', { user, isFavorite: false }),
    400,
    /isBlocked/,
  );
  fails(
    await call(a.token, 'POST', '/users/me/contacts', {
      user: { id: b.id },
      isFavorite: false,
      isBlocked: false,
    }),
    400,
    /username/,
  );
  const c = ok(
    await call(a.token, 'POST', '/users/me/contacts', {
      user,
      isFavorite: true,
      isBlocked: false,
      name: 'Friend',
    }),
  );
  assert.equal(c.isFavorite, true);
  assert.equal((c.user as Obj).id, b.id);
  const again = ok(
    await call(a.token, 'POST', '/users/me/contacts', {
      user,
      isFavorite: false,
      isBlocked: false,
    }),
  );
  assert.equal(again.id, c.id, 'an existing contact is returned');
  assert.deepEqual(
    okList(await call(a.token, 'GET', '/users/me/contacts')).map((x) => x.id),
    [c.id],
  );
  assert.deepEqual(okList(await call(b.token, 'GET', '/users/me/contacts')), []);
  fails(
    await call(b.token, 'DELETE', `/users/me/contacts/${String(c.id)}`),
    404,
    'Contact not found.',
  );
  ok(await call(a.token, 'DELETE', `/users/me/contacts/${String(c.id)}`));
  assert.deepEqual(okList(await call(a.token, 'GET', '/users/me/contacts')), []);
});

// ------------------------------------------------------------ files

test('notes §1.8 POST /uploads: the raw body becomes <File-Name>.<Content-Type>, served at /files/, the root and /uploads/', async () => {
  const a = await register();
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const name = randomUUID().toUpperCase();
  const up = await fetch(`${server.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}`, 'file-name': name, 'content-type': 'png' },
    body: bytes,
  });
  assert.equal(up.status, 200);
  assert.equal(await up.text(), `${name}.png`);
  for (const path of [`/files/${name}.png`, `/${name}.png`, `/uploads/${name}.png`]) {
    const r = await fetch(`${server.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
  }
  assert.equal((await fetch(`${server.url}/files/nothing.png`)).status, 404);

  const jpeg = await fetch(`${server.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}`, 'content-type': 'image/jpeg' },
    body: bytes,
  });
  assert.match(
    await jpeg.text(),
    /^[0-9A-F-]{36}\.jpg$/,
    'no File-Name: a UUID; image/jpeg becomes jpg',
  );

  const untyped = await fetch(`${server.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}` },
  });
  assert.equal(untyped.status, 500);
  assert.deepEqual(await untyped.json(), {
    error: true,
    reason: 'Could not upload without file type.',
  });
  const anonymous = await fetch(`${server.url}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'png' },
    body: bytes,
  });
  assert.equal(anonymous.status, 401);
});

// ------------------------------------------------------------ chats

test('doc §Create chat: a personal chat is deduplicated; more than two users cannot be personal; the owner alone is refused', async () => {
  const [a, b, c] = [await register(), await register(), await register()];
  const first = await chat(a, [b]);
  assert.equal(first.isPersonal, true, 'two participants default to personal');
  assert.deepEqual((first.allUsers as Obj[]).map((u) => u.id).sort(), [a.id, b.id].sort());
  const again = await chat(b, [a]);
  assert.equal(again.id, first.id, 'same participants → the existing chat');
  const group = await chat(a, [b], { isPersonal: false, title: 'Pair group' });
  assert.notEqual(group.id, first.id);
  assert.equal(group.title, 'Pair group');
  fails(
    await call(a.token, 'POST', '/chats', { participants: [b.id, c.id], isPersonal: true }),
    422,
    'Personal chat can only contain two users.',
  );
  fails(
    await call(a.token, 'POST', '/chats', { participants: [a.id] }),
    400,
    'New chat should contain at least one participant.',
  );
  fails(await call(a.token, 'POST', '/chats', { title: 'x' }), 400, /participants/);
});

test('doc §List chats / §Get chat: full=1 includes allUsers; a non-participant gets 404', async () => {
  const [a, b, c] = [await register(), await register(), await register()];
  const g = await chat(a, [b, c], { title: 'Three' });
  const short = okList(await call(b.token, 'GET', '/chats')).find((x) => x.id === g.id)!;
  assert.equal(short.allUsers, undefined);
  assert.equal((short.owner as Obj).id, a.id);
  const full = okList(await call(b.token, 'GET', '/chats/?full=1')).find((x) => x.id === g.id)!;
  assert.equal((full.allUsers as Obj[]).length, 3);
  const outsider = await register();
  fails(await call(outsider.token, 'GET', `/chats/${String(g.id)}`), 404);
  fails(await call(a.token, 'GET', '/chats/not-a-uuid'), 400, 'UUID id was not found in the path.');
  assert.equal(ok(await call(c.token, 'GET', `/chats/${String(g.id)}`)).title, 'Three');
});

test('doc §Update chat: the title changes for a group with a chatUpdate event; a personal chat is refused', async () => {
  const [a, b] = [await register(), await register()];
  const g = await chat(a, [b], { isPersonal: false, title: 'Before' });
  const sb = await Socket.open(b.token);
  const r = ok(await call(b.token, 'PUT', `/chats/${String(g.id)}`, { title: 'After' }));
  assert.equal(r.title, 'After');
  const [ev] = await sb.waitFor('chatUpdate');
  assert.equal((ev!.payload as Obj).title, 'After');
  assert.equal(ev!.source, String(b.id));
  const p = await chat(a, [b]);
  fails(
    await call(a.token, 'PUT', `/chats/${String(p.id)}`, { title: 'x' }),
    400,
    "You can't update personal chat.",
  );
  sb.close();
});

test('doc §Chat settings / §Remove chat from device: settings answer ChatInfo; a removed chat leaves the list until a post', async () => {
  const [a, b] = [await register(), await register()];
  const p = await chat(a, [b]);
  const id = String(p.id);
  const s = ok(
    await call(a.token, 'PUT', `/chats/${id}/settings`, { isMuted: true, isArchived: true }),
  );
  assert.equal(s.isMuted, true);
  assert.equal(s.isArchived, true);
  assert.equal(
    ok(await call(b.token, 'GET', `/chats/${id}`)).isMuted,
    false,
    'settings are per user',
  );
  ok(await call(a.token, 'PUT', `/chats/${id}/settings`, { isRemovedOnDevice: true }));
  assert.ok(!okList(await call(a.token, 'GET', '/chats')).some((x) => x.id === id));
  ok(await post(b, id, { text: 'are you there?' }));
  const back = okList(await call(a.token, 'GET', '/chats')).find((x) => x.id === id);
  assert.ok(back, 'a post into a personal chat brings it back for the recipient');
  ok(await post(a, id, { text: 'yes' }));
  assert.equal(
    ok(await call(a.token, 'GET', `/chats/${id}`)).isArchived,
    false,
    'posting unarchives for the author',
  );
});

test('doc §Add chat image / §Remove chat image: owner only, not personal, chatUpdate to participants', async () => {
  const [a, b] = [await register(), await register()];
  const g = await chat(a, [b], { title: 'Pictures', isPersonal: false });
  const id = String(g.id);
  const image = { id: randomUUID(), fileType: 'png', fileSize: 1234 };
  fails(await call(b.token, 'POST', `/chats/${id}/images`, { image }), 403);
  const sb = await Socket.open(b.token);
  const r = ok(await call(a.token, 'POST', `/chats/${id}/images`, { image }));
  assert.equal((r.images as Obj[])[0]!.id, image.id.toUpperCase());
  await sb.waitFor('chatUpdate');
  fails(
    await call(a.token, 'POST', `/chats/${id}/images`, { image: { fileType: 'png', fileSize: 1 } }),
    400,
    'Media resource id is missing.',
  );
  const p = await chat(a, [b]);
  fails(await call(a.token, 'POST', `/chats/${String(p.id)}/images`, { image }), 400);
  fails(await call(b.token, 'DELETE', `/chats/${id}/images/${image.id}`), 403);
  ok(await call(a.token, 'DELETE', `/chats/${id}/images/${image.id}`));
  assert.equal(ok(await call(a.token, 'GET', `/chats/${id}`)).images, undefined);
  fails(await call(a.token, 'DELETE', `/chats/${id}/images/${image.id}`), 404);
  sb.close();
});

test('doc §Add users: at most 10 new users at a time; none new is an error; addedUsers goes to every participant', async () => {
  const a = await register();
  const many: Account[] = [];
  for (let i = 0; i < 12; i++) many.push(await register());
  const g = await chat(a, [many[0]!], { isPersonal: false, title: 'Big' });
  const id = String(g.id);
  const s0 = await Socket.open(many[0]!.token);
  fails(
    await call(a.token, 'POST', `/chats/${id}/users`, {
      users: many.slice(1, 12).map((u) => u.id),
    }),
    400,
    'To many users to add at once.',
  );
  assert.equal(
    (ok(await call(a.token, 'GET', `/chats/${id}`)).allUsers as Obj[]).length,
    2,
    'nothing was added',
  );
  // Ten new ones plus one already there: the limit counts new users only.
  const r = ok(
    await call(a.token, 'POST', `/chats/${id}/users`, {
      users: many.slice(0, 11).map((u) => u.id),
    }),
  );
  assert.equal((r.addedUsers as Obj[]).length, 10);
  const [ev] = await s0.waitFor('addedUsers');
  assert.equal(((ev!.payload as Obj).addedUsers as Obj[]).length, 10);
  fails(
    await call(a.token, 'POST', `/chats/${id}/users`, { users: [many[1]!.id] }),
    400,
    'No users to add found.',
  );
  const p = await chat(a, [many[0]!]);
  fails(
    await call(a.token, 'POST', `/chats/${String(p.id)}/users`, { users: [many[11]!.id] }),
    400,
    "You can't add users to a personal chat.",
  );
  s0.close();
});

test('doc §Remove users: members leave with removedUsers; strangers are 422; personal chats and empty lists are 400', async () => {
  const [a, b, c, d] = [await register(), await register(), await register(), await register()];
  const g = await chat(a, [b, c], { title: 'Trio' });
  const id = String(g.id);
  const sa = await Socket.open(a.token);
  const r = ok(await call(a.token, 'DELETE', `/chats/${id}/users`, { users: [c.id] }));
  assert.deepEqual(
    (r.removedUsers as Obj[]).map((u) => u.id),
    [c.id],
  );
  await sa.waitFor('removedUsers');
  fails(await call(c.token, 'GET', `/chats/${id}`), 404);
  fails(
    await call(a.token, 'DELETE', `/chats/${id}/users`, { users: [d.id] }),
    422,
    'Users provided are not participants of this chat.',
  );
  fails(
    await call(a.token, 'DELETE', `/chats/${id}/users`, { users: [] }),
    400,
    'No users to remove found.',
  );
  const p = await chat(a, [b]);
  fails(
    await call(a.token, 'DELETE', `/chats/${String(p.id)}/users`, { users: [b.id] }),
    400,
    "You can't alter users in a personal chat.",
  );
  sa.close();
});

test('doc §Exit chat: leaving a group sends no event (notes §1.4); a personal chat is refused', async () => {
  const [a, b] = [await register(), await register()];
  const g = await chat(a, [b], { isPersonal: false, title: 'Leave me' });
  const id = String(g.id);
  const sa = await Socket.open(a.token);
  ok(await call(b.token, 'DELETE', `/chats/${id}/me`));
  fails(await call(b.token, 'GET', `/chats/${id}`), 404);
  assert.deepEqual(
    (ok(await call(a.token, 'GET', `/chats/${id}`)).allUsers as Obj[]).map((u) => u.id),
    [a.id],
  );
  await settle();
  assert.equal(sa.frames.length, 0);
  const p = await chat(a, [b]);
  fails(await call(a.token, 'DELETE', `/chats/${String(p.id)}/me`), 400);
  sa.close();
});

test('doc §Clear chat: owner only; messages go; chatCleared with a null payload', async () => {
  const [a, b] = [await register(), await register()];
  const g = await chat(a, [b], { isPersonal: false, title: 'Clear me' });
  const id = String(g.id);
  ok(await post(b, id, { text: 'one' }));
  fails(await call(b.token, 'DELETE', `/chats/${id}/messages`), 403, "You can't clear this chat.");
  const sb = await Socket.open(b.token);
  ok(await call(a.token, 'DELETE', `/chats/${id}/messages`));
  const [ev] = await sb.waitFor('chatCleared');
  assert.equal(ev!.payload, null);
  assert.deepEqual(okList(await call(b.token, 'GET', `/chats/${id}/messages`)), []);
  assert.equal(ok(await call(b.token, 'GET', `/chats/${id}`)).lastMessage, undefined);
  sb.close();
});

test('doc §Delete chat: owner (or either side of a personal chat) only; chatDeleted; the chat leaves every list', async () => {
  const [a, b] = [await register(), await register()];
  const g = await chat(a, [b], { isPersonal: false, title: 'Delete me' });
  const id = String(g.id);
  ok(await post(a, id, { text: 'soon gone' }));
  fails(await call(b.token, 'DELETE', `/chats/${id}`), 403, "You can't delete this chat.");
  const sb = await Socket.open(b.token);
  ok(await call(a.token, 'DELETE', `/chats/${id}`));
  const [ev] = await sb.waitFor('chatDeleted');
  assert.equal(ev!.payload, null);
  for (const u of [a, b])
    assert.ok(!okList(await call(u.token, 'GET', '/chats')).some((x) => x.id === id));
  const p = await chat(a, [b]);
  ok(await call(b.token, 'DELETE', `/chats/${String(p.id)}`));
  sb.close();
});

// ------------------------------------------------------------ blocking

test('doc §Block chat (notes §1.6): a user who blocked a group gets no events and cannot be removed; unblock restores events', async () => {
  const [a, b, c] = [await register(), await register(), await register()];
  const g = await chat(a, [b, c], { title: 'Blockers' });
  const id = String(g.id);
  const [sa, sb] = [await Socket.open(a.token), await Socket.open(b.token)];
  ok(await call(b.token, 'PUT', `/chats/${id}/block`));
  assert.equal(ok(await call(b.token, 'GET', `/chats/${id}`)).isBlocked, true);
  ok(await post(a, id, { text: 'b does not hear this' }));
  await sa.waitFor('message');
  await settle();
  assert.equal(sb.events('message').length, 0);
  fails(await call(a.token, 'DELETE', `/chats/${id}/users`, { users: [b.id] }), 422);
  fails(
    await call(a.token, 'POST', `/chats/${id}/users`, { users: [b.id] }),
    400,
    'No users to add found.',
  );
  fails(await post(b, id, { text: 'blocked' }), 403, "You can't post into this chat.");
  ok(await call(b.token, 'PUT', `/chats/${id}/unblock`));
  ok(await post(a, id, { text: 'b hears this' }));
  await sb.waitFor('message');
  sa.close();
  sb.close();
});

test('notes §1.6: in a personal chat the other side blocking it refuses posts with "This chat was blocked."', async () => {
  const [a, b] = [await register(), await register()];
  const p = await chat(a, [b]);
  const id = String(p.id);
  ok(await call(b.token, 'PUT', `/chats/${id}/block`));
  fails(await post(a, id, { text: 'hello?' }), 403, 'This chat was blocked.');
  ok(await call(b.token, 'PUT', `/chats/${id}/unblock`));
  ok(await post(a, id, { text: 'hello again' }));
});

test('doc §Block user in chat: the blocked user cannot post or read, may delete own messages, and is listed', async () => {
  const [a, b, c] = [await register(), await register(), await register()];
  const g = await chat(a, [b, c], { title: 'Moderated' });
  const id = String(g.id);
  const own = ok(await post(b, id, { text: 'mine' }));
  fails(await call(a.token, 'PUT', `/chats/${id}/users/${999999}/block`), 404);
  ok(await call(a.token, 'PUT', `/chats/${id}/users/${b.id}/block`));
  assert.deepEqual(
    okList(await call(c.token, 'GET', `/chats/${id}/users/blocked`)).map((u) => u.id),
    [b.id],
  );
  fails(await post(b, id, { text: 'muted' }), 403, "You can't post into this chat.");
  fails(await call(b.token, 'GET', `/chats/${id}/messages`), 403);
  fails(await call(b.token, 'PUT', `/chats/${id}/users/${a.id}/block`), 403);
  const deleted = ok(await call(b.token, 'DELETE', `/chats/${id}/messages/${String(own.id)}`));
  assert.ok(deleted.deletedAt);
  ok(await call(c.token, 'PUT', `/chats/${id}/users/${b.id}/unblock`));
  assert.deepEqual(okList(await call(a.token, 'GET', `/chats/${id}/users/blocked`)), []);
  ok(await post(b, id, { text: 'back' }));
});

// ------------------------------------------------------------ messages

test('doc §Post message: integer ids; a repeated localId is NOT deduplicated (notes §1.6)', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const lid = localId(a);
  const m1 = ok(
    await call(a.token, 'POST', `/chats/${id}/messages`, { localId: lid, text: 'twice' }),
  );
  const m2 = ok(
    await call(a.token, 'POST', `/chats/${id}/messages`, { localId: lid, text: 'twice' }),
  );
  assert.equal(typeof m1.id, 'number');
  assert.ok(Number.isInteger(m1.id));
  assert.notEqual(m1.id, m2.id);
  assert.equal(m1.authorId, a.id);
  assert.equal(m1.chatId, id);
  assert.equal(m1.isVisible, true);
  const page = okList(await call(b.token, 'GET', `/chats/${id}/messages`));
  assert.deepEqual(
    page.map((m) => m.localId),
    [lid, lid],
    'both copies are stored',
  );
});

test('doc §Post message (notes §1.6): localId is checked for length only; an empty message is refused', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  fails(
    await call(a.token, 'POST', `/chats/${id}/messages`, { localId: 'x'.repeat(35), text: 'hi' }),
    400,
    'Malformed message data.',
  );
  fails(
    await call(a.token, 'POST', `/chats/${id}/messages`, { text: 'hi' }),
    400,
    'Malformed message data.',
  );
  ok(
    await call(a.token, 'POST', `/chats/${id}/messages`, {
      localId: 'not a uuid but long enough, 36 chars',
      text: 'hi',
    }),
  );
  fails(await post(a, id, {}), 400, 'Message is empty.');
  const outsider = await register();
  fails(await post(outsider, id, { text: 'let me in' }), 403, "You can't post into this chat.");
  fails(await post(a, randomUUID(), { text: 'nowhere' }), 404);
});

test('doc §Post message: text up to 2048 characters (counted as the server counts them, notes §1.6)', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  ok(await post(a, id, { text: 'a'.repeat(2048) }));
  fails(
    await post(a, id, { text: 'a'.repeat(2049) }),
    400,
    'Message text should be between 1 and 2048 characters long.',
  );
  // 2048 characters of 2 UTF-8 bytes each: over 2048 bytes, still accepted.
  ok(await post(a, id, { text: 'é'.repeat(2048) }));
  fails(
    await post(a, id, { text: '' }),
    400,
    'Message text should be between 1 and 2048 characters long.',
  );
});

test('doc §Get messages: newest first, count defaults to 50, before pages back by id', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const ids: number[] = [];
  for (let i = 0; i < 55; i++)
    ids.push(ok(await post(i % 2 ? b : a, id, { text: `m${i}` })).id as number);
  const first = okList(await call(a.token, 'GET', `/chats/${id}/messages`));
  assert.equal(first.length, 50);
  assert.deepEqual(
    first.map((m) => m.id),
    ids.slice(5).reverse(),
  );
  const page = okList(
    await call(a.token, 'GET', `/chats/${id}/messages?count=10&before=${ids[20]}`),
  );
  assert.deepEqual(
    page.map((m) => m.id),
    ids.slice(10, 20).reverse(),
  );
  const tail = okList(
    await call(a.token, 'GET', `/chats/${id}/messages?count=10&before=${ids[3]}`),
  );
  assert.deepEqual(
    tail.map((m) => m.id),
    ids.slice(0, 3).reverse(),
  );
  fails(await call(a.token, 'GET', `/chats/${id}/messages?count=lots`), 400);
  const outsider = await register();
  fails(await call(outsider.token, 'GET', `/chats/${id}/messages`), 403);
});

test('doc §Post message / §Edit message (notes §1.6): the server names the attachment; upload under that id, then mark fileExists', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const clientId = randomUUID();
  fails(
    await post(a, id, { attachment: { fileType: 'png', fileSize: 0 } }),
    400,
    'Malformed message data.',
  );
  const m = ok(await post(a, id, { attachment: { id: clientId, fileType: 'png', fileSize: 7 } }));
  const [att] = m.attachments as Obj[];
  assert.notEqual(att!.id, clientId.toUpperCase(), 'a client attachment id is ignored');
  assert.equal(att!.previewWidth, 300);
  assert.equal(att!.previewHeight, 200);
  const sb = await Socket.open(b.token);
  for (const name of [`${String(att!.id)}`, `${String(att!.id)}-preview`]) {
    const up = await fetch(`${server.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'file-name': name, 'content-type': 'png' },
      body: Buffer.from('pngdata'),
    });
    assert.equal(up.status, 200);
  }
  fails(
    await call(a.token, 'PUT', `/chats/${id}/messages/${String(m.id)}`, { fileExists: true }),
    400,
    /previewExists/,
  );
  ok(
    await call(a.token, 'PUT', `/chats/${id}/messages/${String(m.id)}`, {
      fileExists: true,
      previewExists: true,
    }),
  );
  const [ev] = await sb.waitFor('messageUpdate');
  assert.equal(((ev!.payload as Obj).attachments as Obj[])[0]!.id, att!.id);
  assert.equal((await fetch(`${server.url}/files/${String(att!.id)}-preview.png`)).status, 200);
  // Deleting the message removes its files and zeroes their size.
  const del = ok(await call(a.token, 'DELETE', `/chats/${id}/messages/${String(m.id)}`));
  assert.equal((del.attachments as Obj[])[0]!.fileSize, 0);
  assert.equal((await fetch(`${server.url}/files/${String(att!.id)}.png`)).status, 404);
  sb.close();
});

test('doc §Edit message: author only; editedAt set; visibility only switches on; a deleted message cannot be edited', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const m = ok(await post(a, id, { text: 'draft', isVisible: false }));
  const path = `/chats/${id}/messages/${String(m.id)}`;
  const flags = { fileExists: false, previewExists: false };
  assert.equal(m.isVisible, false);
  fails(await call(b.token, 'PUT', path, { text: 'hijack', ...flags }), 403);
  const e = ok(await call(a.token, 'PUT', path, { text: 'final', isVisible: true, ...flags }));
  assert.equal(e.text, 'final');
  assert.ok(e.editedAt);
  assert.equal(e.isVisible, true);
  const hidden = ok(await call(a.token, 'PUT', path, { isVisible: false, ...flags }));
  assert.equal(hidden.isVisible, true, 'a visible message stays visible');
  fails(
    await call(a.token, 'PUT', `/chats/${id}/messages/abc`, flags),
    400,
    'Message id was not found in the path.',
  );
  fails(await call(a.token, 'PUT', `/chats/${id}/messages/999999`, flags), 404);
  fails(await call(b.token, 'DELETE', path), 403);
  const sb = await Socket.open(b.token);
  const d = ok(await call(a.token, 'DELETE', path));
  assert.equal(d.text, '');
  assert.ok(d.deletedAt);
  const [ev] = await sb.waitFor('messageUpdate');
  assert.equal((ev!.payload as Obj).text, '');
  assert.equal(typeof (ev!.payload as Obj).deletedAt, 'number');
  sb.close();
  fails(
    await call(a.token, 'PUT', path, { text: 'zombie', ...flags }),
    400,
    "You can't edit deleted message.",
  );
});

test('doc §Read message: a read mark once per user; messageUpdate only the first time (notes §1.6)', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const m = ok(await post(a, id, { text: 'read me' }));
  const sa = await Socket.open(a.token);
  const path = `/chats/${id}/messages/${String(m.id)}/read`;
  assert.equal(ok(await call(b.token, 'PUT', path)), undefined, 'OK is an empty body');
  await sa.waitFor('messageUpdate');
  ok(await call(b.token, 'PUT', path));
  await settle();
  assert.equal(sa.events('messageUpdate').length, 1);
  const edited = ok(
    await call(a.token, 'PUT', `/chats/${id}/messages/${String(m.id)}`, {
      fileExists: false,
      previewExists: false,
    }),
  );
  assert.deepEqual(
    (edited.readMarks as Obj[]).map((r) => (r.user as Obj).id),
    [b.id],
  );
  const outsider = await register();
  fails(await call(outsider.token, 'PUT', path), 403);
  fails(await call(b.token, 'PUT', `/chats/${id}/messages/999999/read`), 404);
  sa.close();
});

test('doc §Notify: auxiliary events carry name, text and the base64 data as JSON; realm is required; push-only sends no frame', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const sb = await Socket.open(b.token);
  fails(await call(a.token, 'POST', `/chats/${id}/notify`, { name: 'typing' }), 400, /realm/);
  fails(
    await call(a.token, 'POST', `/chats/${id}/notify`, { name: 'typing', realm: 'carrier-pigeon' }),
    400,
  );
  const data = Buffer.from(JSON.stringify({ typing: true })).toString('base64');
  ok(
    await call(a.token, 'POST', `/chats/${id}/notify`, {
      name: 'typing',
      text: 'Ann is typing',
      realm: 'webSocket',
      data,
    }),
  );
  const [ev] = await sb.waitFor('auxiliary');
  assert.deepEqual(ev!.payload, { name: 'typing', text: 'Ann is typing', data: { typing: true } });
  ok(await call(a.token, 'POST', `/chats/${id}/notify`, { name: 'ping', realm: 'push' }));
  await settle();
  assert.equal(sb.events('auxiliary').length, 1);
  const outsider = await register();
  fails(
    await call(outsider.token, 'POST', `/chats/${id}/notify`, { name: 'x', realm: 'all' }),
    403,
  );
  sb.close();
});

// ------------------------------------------------------------ websocket

test('notes §1.7: every session of every recipient, the author included, gets a binary frame with reference-date numbers', async () => {
  const [a, b, c] = [await register(), await register(), await register()];
  const g = await chat(a, [b, c], { title: 'Fan-out' });
  const a2 = await secondSession(a);
  const b2 = await secondSession(b);
  const sockets = await Promise.all([a.token, a2, b.token, b2, c.token].map((t) => Socket.open(t)));
  const before = Date.now() / 1000;
  const m = ok(await post(b, String(g.id), { text: 'to everyone' }));
  for (const s of sockets) {
    await s.waitFor('message');
    assert.equal(s.frames[0]!.binary, true, 'frames are binary');
    const ev = s.frames[0]!.event;
    assert.equal(ev.source, String(b.id));
    const payload = ev.payload as Obj;
    assert.equal(payload.id, m.id);
    assert.equal(typeof payload.createdAt, 'number');
    const unix = (payload.createdAt as number) + REFERENCE_DATE_OFFSET;
    assert.ok(
      Math.abs(unix - before) < 60,
      `payload date ${String(payload.createdAt)} counts from 2001`,
    );
  }
  assert.equal(typeof m.createdAt, 'string', 'HTTP keeps ISO dates');
  for (const s of sockets) s.close();
});

test('notes §1.7: one socket per session (a new one closes the old); the path id is not read; no token → nothing', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const first = await Socket.open(b.token, '/anything-at-all');
  const closed = new Promise<void>((resolve) => first.ws.once('close', () => resolve()));
  const second = await Socket.open(b.token);
  await closed;
  const anonymous = await Socket.open(null);
  ok(await post(a, id, { text: 'who hears' }));
  await second.waitFor('message');
  await settle();
  assert.equal(anonymous.frames.length, 0);
  assert.equal(first.frames.length, 0);
  second.close();
  anonymous.close();
});

test('notes §1.2: an unknown route is a JSON 404; the root answers the server banner', async () => {
  const a = await register();
  fails(await call(a.token, 'GET', '/nope/nothing'), 404, 'Not Found');
  const root = await fetch(server.url);
  assert.equal(await root.text(), 'Chat Server v0.1.0');
  fails(await call(a.token, 'POST', '/chats', '{not json'), 400);
  const untyped = await fetch(`${server.url}/chats`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}` },
    body: JSON.stringify({ participants: [1] }),
  });
  assert.equal(untyped.status, 415, 'a JSON body needs its Content-Type');
  const huge = await call(a.token, 'POST', '/chats', {
    title: 'x'.repeat(20_000),
    participants: [1],
  });
  fails(huge, 413);
});

test('notes §1.4 logout: every socket of the user closes and hears nothing more', async () => {
  const [a, b] = [await register(), await register()];
  const id = String((await chat(a, [b])).id);
  const bPhone = await secondSession(b);
  const sockets = [await Socket.open(b.token), await Socket.open(bPhone)];
  const countBefore = server.socketCount();
  const closed = sockets.map((s) => new Promise<void>((r) => s.ws.once('close', () => r())));
  ok(await call(bPhone, 'POST', '/users/me/logout'));
  await Promise.all(closed);
  assert.equal(server.socketCount(), countBefore - 2);
  ok(await post(a, id, { text: 'nobody home' }));
});
