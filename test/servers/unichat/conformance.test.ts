// Conformance of the unichat reference server, in process (no daemon).
// Written from the groups and messages API page (seed 004, cited as
// "seed §<heading>") and shared/protocols/unichat/NOTES.md (cited as
// "notes §2.x").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decodePng, encodePng } from '../jmap-chat/png.js';
import { PREVIEW_SIDE } from './preview.js';
import { startUnichatServer, TEST_APP_DOMAIN_TOKEN, type UnichatServer } from './server.js';

// Replies are JSON walked freely by the assertions, which check every shape they use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
interface Reply {
  status: number;
  body: Obj;
}
interface Account {
  id: number;
  email: string;
  token: string;
}

let server: UnichatServer;
let counter = 0;

before(async () => {
  server = await startUnichatServer({ editWindowMs: 60_000 });
});
after(() => server.close());

async function raw(
  method: string,
  body: unknown,
  headers: Record<string, string> = { APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN },
): Promise<Reply> {
  const res = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

function rpc(who: Account | null, method: string, args: Obj = {}): Promise<Reply> {
  return raw(
    method,
    { args },
    {
      APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
      ...(who ? { USER_AUTH_TOKEN: who.token } : {}),
    },
  );
}

/** Calls a method that must succeed and returns its result. */
async function ok(who: Account | null, method: string, args: Obj = {}): Promise<Obj> {
  const r = await rpc(who, method, args);
  assert.equal(r.status, 200, `${method}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.status, 'OK');
  return r.body;
}

/** Calls a method that must fail with `code` (notes §2.2: HTTP 400). */
async function fails(who: Account | null, method: string, args: Obj, code: string) {
  const r = await rpc(who, method, args);
  assert.equal(r.status, 400, `${method} should fail: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.status, 'error');
  assert.equal(r.body.error_code, code, r.body.error_text);
  assert.equal(typeof r.body.error_text, 'string');
}

async function account(nick?: string): Promise<Account> {
  counter += 1;
  const email = `user${counter}@example.test`;
  await ok(null, 'register', { email, password: 'secret-pw' });
  const { user } = await ok(null, 'login', { email, password: 'secret-pw' });
  const me = { id: user.id as number, email, token: user.auth_token as string };
  await ok(me, 'update_me', { nick: nick ?? `nick${counter}` });
  return me;
}

/** An open notification stream (notes §2.2: create_sse_auth_code, then SSE). */
class Stream {
  readonly received: Obj[] = [];
  private waiters: (() => void)[] = [];
  private constructor(private readonly controller: AbortController) {}

  static async open(who: Account): Promise<Stream> {
    const { code } = await ok(who, 'create_sse_auth_code');
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/sse?code=${code}`, { signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const stream = new Stream(controller);
    void stream.pump(res.body!);
    return stream;
  }

  private async pump(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of frame.split('\n'))
            if (line.startsWith('data: '))
              this.received.push(...(JSON.parse(line.slice(6)) as Obj).notifications);
          for (const w of this.waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    }
  }

  async waitFor(pred: (n: Obj) => boolean, what: string): Promise<Obj> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no notification: ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close() {
    this.controller.abort();
  }
}

const uid = () => `${randomUUID()}${randomUUID()}`.replace(/-/g, '');

async function room(owner: Account, others: Account[] = [], name = 'Room'): Promise<Obj> {
  const { subscription } = await ok(owner, 'create_room', {
    name,
    user_ids: others.map((o) => o.id),
  });
  return subscription;
}

async function subOf(who: Account, groupId: number): Promise<Obj> {
  const { subscriptions } = await ok(who, 'get_subscriptions', { short: true });
  const s = subscriptions.find((x: Obj) => x.group_id === groupId);
  assert.ok(s, `user ${who.id} has no subscription to group ${groupId}`);
  return s;
}

// ---- transport (notes §2.2) ----

test('notes §2.2: POST /api/<method> with {"args"} answers {"status":"OK", …} merged at top level', async () => {
  const r = await raw('ping', { args: { ping: 'hello' } });
  assert.deepEqual(r, { status: 200, body: { status: 'OK', pong: 'hello' } });
  const v = await ok(null, 'version');
  assert.equal(typeof v.version, 'string');
  assert.ok(v.api_level >= v.min_api_level);
});

test('notes §2.2: camelCase method names are the same methods', async () => {
  const a = await account();
  const snake = await ok(a, 'get_subscriptions', { short: true });
  const camel = await ok(a, 'getSubscriptions', { short: true });
  assert.deepEqual(camel, snake);
});

test('notes §2.2: errors are HTTP 400 {status:"error", error_code, error_text}', async () => {
  const noApp = await raw('ping', { args: {} }, {});
  assert.equal(noApp.status, 400);
  assert.equal(noApp.body.error_code, 'invalid_app_domain');
  const wrongApp = await raw('ping', { args: {} }, { APP_DOMAIN_TOKEN: 'nope' });
  assert.equal(wrongApp.body.error_code, 'invalid_app_domain');
  const unknown = await raw('no_such_method', { args: {} });
  assert.equal(unknown.body.error_code, 'unknown_method');
  const notJson = await raw('ping', '{"args":');
  assert.equal(notJson.body.error_code, 'invalid_json');
  const badArgs = await raw('ping', { args: [1] });
  assert.equal(badArgs.body.error_code, 'invalid_arguments');
});

test('notes §2.2: an improper USER_AUTH_TOKEN is an error; no token means logged out', async () => {
  const r = await raw(
    'me',
    { args: {} },
    { APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN, USER_AUTH_TOKEN: 'x' },
  );
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'auth_failed');
  await fails(null, 'me', {}, 'not_logged_in');
});

// ---- users (notes §2.3) ----

test('notes §2.3: register, login by password and by auth_token, me, logout', async () => {
  const reg = await ok(null, 'register', { email: 'Reg@Example.test', password: 'secret-pw' });
  assert.equal(reg.user.email, 'reg@example.test');
  assert.equal(reg.user.auth_token, undefined, 'register does not sign in');
  await fails(
    null,
    'register',
    { email: 'reg@example.test', password: 'secret-pw' },
    'invalid_email',
  );
  await fails(null, 'register', { email: 'not-an-email', password: 'secret-pw' }, 'invalid_email');
  await fails(null, 'register', { email: 'x@example.test', password: '123' }, 'registration_error');
  await fails(null, 'login', { email: 'reg@example.test', password: 'wrong' }, 'auth_failed');

  const { user } = await ok(null, 'login', { email: 'reg@example.test', password: 'secret-pw' });
  assert.equal(typeof user.auth_token, 'string');
  for (const k of ['id', 'nick', 'is_online', 'status', 'email', 'searchable_nick', 'confirmed_at'])
    assert.ok(k in user, k);
  const again = await ok(null, 'login', { auth_token: user.auth_token });
  assert.equal(again.user.id, user.id);
  const me: Account = { id: user.id, email: user.email, token: user.auth_token };
  assert.equal((await ok(me, 'me')).user.email, 'reg@example.test');
  await ok(me, 'logout');
  await fails(me, 'me', {}, 'auth_failed');
  await fails(null, 'login', { auth_token: user.auth_token }, 'auth_failed');
});

test('notes §2.3: update_me changes nick, status and password; get_user and search_user show public fields', async () => {
  const a = await account('searchme_alpha');
  const b = await account('searchme_beta');
  const hidden = await account('searchme_hidden');
  await ok(hidden, 'update_me', { searchable_nick: false });
  const { user } = await ok(a, 'update_me', { status: 'busy' });
  assert.equal(user.status, 'busy');
  await fails(a, 'update_me', { status: 'sleeping' }, 'invalid_arguments');
  await fails(a, 'update_me', { nick: 'searchme_beta' }, 'nick_taken');
  await fails(a, 'update_me', { current_password: 'wrong', password: 'new-secret' }, 'auth_failed');
  await ok(a, 'update_me', { current_password: 'secret-pw', password: 'new-secret' });
  await ok(null, 'login', { email: a.email, password: 'new-secret' });

  const seen = (await ok(b, 'get_user', { user_id: a.id })).user;
  assert.equal(seen.nick, 'searchme_alpha');
  assert.equal(seen.email, undefined, 'email is private');
  await fails(b, 'get_user', { user_id: 999999 }, 'not_found');
  const found = (await ok(b, 'search_user', { nick_prefix: 'SEARCHME_' })).users.map(
    (u: Obj) => u.nick,
  );
  assert.deepEqual(found, ['searchme_alpha'], 'not yourself, not unsearchable users');
});

test('notes §2.4: contacts are confirmed when both sides add each other', async () => {
  const a = await account();
  const b = await account();
  const first = await ok(a, 'add_contact', { user_id: b.id });
  assert.equal(first.contact.user.id, b.id);
  assert.equal(first.contact.confirmed_at, null);
  await ok(b, 'add_contact', { email: a.email });
  const { contacts } = await ok(a, 'contacts');
  assert.equal(contacts.length, 1);
  assert.notEqual(contacts[0].confirmed_at, null);
  assert.deepEqual(await ok(a, 'get_contacts'), { status: 'OK', contacts });
  await fails(a, 'add_contact', { nick: 'nobody-has-this' }, 'not_found');
  await fails(a, 'add_contact', { nick: 'x', user_id: b.id }, 'invalid_arguments');
  await ok(a, 'delete_contact', { user_id: b.id });
  assert.deepEqual((await ok(a, 'contacts')).contacts, []);
});

// ---- subscriptions and rooms (seed §Get subscriptions, §Create room) ----

test('seed §Create room: creator is owner and admin, invitees rw; creation and invite system messages', async () => {
  const owner = await account();
  const b = await account();
  const c = await account();
  const stream = await Stream.open(b);
  const sub = await room(owner, [b, c], 'Planning');
  assert.equal(sub.role, 'admin');
  assert.equal(sub.group.name, 'Planning');
  assert.equal(sub.group.owner_id, owner.id);
  assert.equal(sub.group.type, 'room');
  assert.deepEqual(
    sub.group.participants.map((p: Obj) => [p.user_id, p.role]),
    [
      [owner.id, 'admin'],
      [b.id, 'rw'],
      [c.id, 'rw'],
    ],
  );
  const n = await stream.waitFor(
    (x) =>
      x.event === 'new' && x.object_name === 'subscription' && x.object.group_id === sub.group_id,
    'new subscription',
  );
  assert.equal(n.object_type, 'subscription', 'notifications carry both keys');
  assert.equal(n.object.user_id, b.id);
  stream.close();

  const { messages } = await ok(owner, 'get_messages', {
    subscription_id: sub.id,
    after_serial: 0,
  });
  assert.deepEqual(
    messages.map((m: Obj) => [m.xtag, m.user_id, m.reference]),
    [
      ['creation', owner.id, null],
      ['invite', owner.id, { type: 'user', id: String(b.id) }],
      ['invite', owner.id, { type: 'user', id: String(c.id) }],
    ],
  );
  assert.ok(messages.every((m: Obj) => typeof m.text === 'string' && m.text.length > 0));
  await fails(owner, 'create_room', { user_ids: [] }, 'invalid_arguments');
  await fails(owner, 'create_room', { name: 'x', user_ids: [999999] }, 'not_found');
});

test('seed §Get subscriptions: ordered by id, paged by limit/offset, short leaves out participants', async () => {
  const a = await account();
  const ids = [];
  for (const name of ['one', 'two', 'three']) ids.push((await room(a, [], name)).id);
  const all = (await ok(a, 'get_subscriptions', {})).subscriptions;
  assert.deepEqual(
    all.map((s: Obj) => s.id),
    ids,
  );
  assert.ok(Array.isArray(all[0].group.participants));
  const page = (await ok(a, 'get_subscriptions', { short: true, limit: 1, offset: 1 }))
    .subscriptions;
  assert.deepEqual(
    page.map((s: Obj) => s.id),
    [ids[1]],
  );
  assert.equal(page[0].group.participants, undefined);
  assert.equal(page[0].group.name, 'two');
});

test('seed §Get single subscription: by id, only your own', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const { subscription } = await ok(a, 'get_subscription', { subscription_id: sub.id });
  assert.equal(subscription.id, sub.id);
  assert.equal(subscription.group.participants.length, 2);
  await fails(b, 'get_subscription', { subscription_id: sub.id }, 'not_found');
  await fails(a, 'get_subscription', {}, 'invalid_arguments');
});

test('notes §2.5: get_private_subscription makes one p2p chat for the pair, both rw', async () => {
  const a = await account();
  const b = await account();
  const first = (await ok(a, 'get_private_subscription', { user_id: b.id })).subscription;
  assert.equal(first.group.type, 'private_chat');
  assert.equal(first.role, 'rw');
  assert.equal(first.group.strid, `p2p:${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`);
  const again = (await ok(a, 'get_private_subscription', { user_id: b.id })).subscription;
  assert.equal(again.id, first.id);
  const theirs = (await ok(b, 'get_private_subscription', { user_id: a.id })).subscription;
  assert.equal(theirs.group_id, first.group_id);
  assert.notEqual(theirs.id, first.id);
  await fails(a, 'get_private_subscription', { user_id: a.id }, 'invalid_arguments');
  await fails(a, 'invite', { subscription_id: first.id, user_id: [b.id] }, 'not_allowed');
});

test('seed §Manage own subscription: draft sends entering to others; owner-only fields stay private', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const bStream = await Stream.open(b);
  const { subscription } = await ok(a, 'update_subscription', {
    subscription_id: sub.id,
    draft: 'half a sent',
    tags: ['work'],
    mute_until: new Date(Date.now() + 3600_000).toISOString(),
  });
  assert.equal(subscription.draft, 'half a sent');
  assert.deepEqual(subscription.tags, ['work']);
  assert.notEqual(subscription.mute_until, null);
  const entering = await bStream.waitFor((n) => n.event === 'entering', 'entering');
  assert.deepEqual(entering.object, { id: sub.id, group_id: sub.group_id, user_id: a.id });
  bStream.close();

  const seenByB = (
    await ok(b, 'get_subscription', { subscription_id: (await subOf(b, sub.group_id)).id })
  ).subscription.group.participants.find((p: Obj) => p.user_id === a.id);
  assert.equal(seenByB.draft, undefined);
  assert.equal(seenByB.tags, undefined);

  const cleared = await ok(a, 'update_subscription', {
    subscription_id: sub.id,
    mute_until: '2000-01-01T00:00:00Z',
  });
  assert.equal(cleared.subscription.mute_until, null, 'a past moment clears mute_until');
  assert.equal(cleared.subscription.draft, 'half a sent', 'only supplied fields change');
  await fails(
    a,
    'update_subscription',
    { subscription_id: sub.id, mute_until: 'soon' },
    'invalid_arguments',
  );
  await fails(b, 'update_subscription', { subscription_id: sub.id, draft: 'x' }, 'not_found');
});

test('seed §Mentions / §Manage own subscription: a mention sets last_mentioned_in_message_id, reading past it clears it', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const bSub = await subOf(b, sub.group_id);
  const { message } = await ok(a, 'post', {
    subscription_id: sub.id,
    uid: uid(),
    text: 'hi @b',
    mentions: [{ user_id: b.id, text: '@b' }],
  });
  assert.deepEqual(message.mentions, [{ user_id: b.id, text: '@b' }]);
  const mentioned = (await ok(b, 'get_subscription', { subscription_id: bSub.id })).subscription;
  assert.equal(mentioned.last_mentioned_in_message_id, message.id);
  const aStream = await Stream.open(a);
  const earlier = await ok(b, 'update_subscription', {
    subscription_id: bSub.id,
    last_read_message_id: message.id - 1,
  });
  assert.equal(earlier.subscription.last_mentioned_in_message_id, message.id);
  const read = await ok(b, 'update_subscription', {
    subscription_id: bSub.id,
    last_read_message_id: message.id,
  });
  assert.equal(read.subscription.last_mentioned_in_message_id, null);
  const n = await aStream.waitFor(
    (x) =>
      x.event === 'changed' &&
      x.object_type === 'subscription' &&
      x.object.last_read_message_id === message.id,
    'read position broadcast',
  );
  assert.equal(n.object.user_id, b.id);
  aStream.close();
  await fails(
    a,
    'post',
    { subscription_id: sub.id, uid: uid(), text: 'x', mentions: [{ user_id: 999999, text: '@x' }] },
    'invalid_arguments',
  );
});

// ---- messages (seed §Post message, §Load messages, §Edit, §Delete) ----

test('seed §Why uid?: posting again with the same uid returns the same message, once', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const aStream = await Stream.open(a);
  const bStream = await Stream.open(b);
  const u = uid();
  const first = (await ok(a, 'post', { subscription_id: sub.id, uid: u, text: 'once' })).message;
  const second = (await ok(a, 'post', { group_id: sub.group_id, uid: u, text: 'once' })).message;
  assert.deepEqual(second, first);
  assert.equal(first.uid, u);
  const { messages } = await ok(a, 'get_messages', { subscription_id: sub.id, after_serial: 0 });
  assert.equal(messages.filter((m: Obj) => m.text === 'once').length, 1);
  const own = await aStream.waitFor(
    (n) => n.event === 'new' && n.object.id === first.id,
    'own new',
  );
  assert.equal(own.object.uid, u, 'the poster sees the uid');
  const other = await bStream.waitFor((n) => n.event === 'new' && n.object.id === first.id, 'new');
  assert.equal(other.object_type, 'message');
  assert.equal(other.object_name, 'message');
  assert.equal(other.object.uid, undefined);
  aStream.close();
  bStream.close();
  await fails(a, 'post', { subscription_id: sub.id, text: 'no uid' }, 'invalid_arguments');
  await fails(
    a,
    'post',
    { subscription_id: sub.id, uid: 'x'.repeat(65), text: 'x' },
    'invalid_arguments',
  );
  await fails(a, 'post', { uid: uid(), text: 'where?' }, 'invalid_arguments');
});

test('seed §reply and forward: ids are kept; a read-only member cannot post', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const other = await room(a, [], 'Elsewhere');
  const orig = (await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'original' }))
    .message;
  const reply = (
    await ok(a, 'post', {
      subscription_id: sub.id,
      uid: uid(),
      text: 're',
      in_reply_to_message_id: orig.id,
    })
  ).message;
  assert.equal(reply.in_reply_to_message_id, orig.id);
  assert.equal(orig.in_reply_to_message_id, undefined, 'optional: only if not null');
  const fwd = (
    await ok(a, 'post', {
      subscription_id: other.id,
      uid: uid(),
      text: 'fwd',
      forwarded_message_id: orig.id,
    })
  ).message;
  assert.equal(fwd.forwarded_message_id, orig.id);
  await fails(
    b,
    'post',
    {
      subscription_id: (await subOf(b, sub.group_id)).id,
      uid: uid(),
      text: 'x',
      in_reply_to_message_id: 999999,
    },
    'not_found',
  );

  await ok(a, 'set_access', { subscription_id: sub.id, user_id: b.id, role: 'ro' });
  await fails(b, 'post', { group_id: sub.group_id, uid: uid(), text: 'quiet' }, 'access_denied');
});

test('seed §Load messages: newest first by default and with before_id; after_serial oldest change first', async () => {
  const a = await account();
  const sub = await room(a);
  const posted = [];
  for (const text of ['m1', 'm2', 'm3', 'm4'])
    posted.push((await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text })).message);
  const texts = (ms: Obj[]) => ms.map((m) => m.text);
  const latest = (await ok(a, 'get_messages', { subscription_id: sub.id, limit: 2 })).messages;
  assert.deepEqual(texts(latest), ['m4', 'm3']);
  const next = (await ok(a, 'get_messages', { subscription_id: sub.id, limit: 2, offset: 2 }))
    .messages;
  assert.deepEqual(texts(next), ['m2', 'm1']);
  const before = (
    await ok(a, 'get_messages', { subscription_id: sub.id, before_id: posted[2]!.id, limit: 5 })
  ).messages;
  assert.deepEqual(texts(before).slice(0, 2), ['m2', 'm1']);
  assert.equal(before.at(-1).xtag, 'creation');

  // An edit and a delete come back with the new messages, in serial order.
  const last = posted[3]!.serial;
  await ok(a, 'edit_message', { message_id: posted[0]!.id, text: 'm1 edited' });
  await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'm5' });
  await ok(a, 'delete_message', { message_id: posted[1]!.id });
  const changes = (await ok(a, 'get_messages', { subscription_id: sub.id, after_serial: last }))
    .messages;
  assert.deepEqual(
    changes.map((m: Obj) => [m.id, m.text ?? null]),
    [
      [posted[0]!.id, 'm1 edited'],
      [posted[3]!.id + 1, 'm5'],
      [posted[1]!.id, null],
    ],
  );
  assert.ok(changes.every((m: Obj, i: number) => i === 0 || m.serial > changes[i - 1].serial));
  const stranger = await account();
  await fails(stranger, 'get_messages', { group_id: sub.group_id }, 'not_found');
});

test('seed §Edit own message: serial grows, edited_at set, changed notification; others cannot', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const bStream = await Stream.open(b);
  const m = (await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'tpyo' })).message;
  assert.equal(m.edited_at, null);
  const edited = (await ok(a, 'edit_message', { message_id: m.id, text: 'typo' })).message;
  assert.equal(edited.text, 'typo');
  assert.ok(edited.serial > m.serial);
  assert.notEqual(edited.edited_at, null);
  const n = await bStream.waitFor(
    (x) => x.event === 'changed' && x.object_type === 'message',
    'changed',
  );
  assert.equal(n.object.text, 'typo');
  bStream.close();
  const got = (await ok(b, 'get_message', { message_id: m.id })).message;
  assert.equal(got.serial, edited.serial);
  await fails(b, 'edit_message', { message_id: m.id, text: 'mine now' }, 'access_denied');
  await fails(a, 'edit_message', { message_id: m.id }, 'invalid_arguments');
  await fails(a, 'get_message', { message_id: 999999 }, 'not_found');
});

test('seed §Delete own message: short record without text and dates; repeat is no error', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b]);
  const bStream = await Stream.open(b);
  const m = (await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'oops' })).message;
  await fails(b, 'delete_message', { message_id: m.id }, 'access_denied');
  const gone = (await ok(a, 'delete_message', { message_id: m.id })).message;
  assert.notEqual(gone.deleted_at, null);
  assert.ok(gone.serial > m.serial);
  for (const k of ['text', 'attachment', 'edited_at', 'created_at'])
    assert.equal(k in gone, false, k);
  const n = await bStream.waitFor(
    (x) => x.event === 'deleted' && x.object_type === 'message',
    'deleted',
  );
  assert.equal(n.object.id, m.id);
  bStream.close();
  const again = (await ok(a, 'delete_message', { message_id: m.id })).message;
  assert.equal(again.serial, gone.serial, 'already deleted: unchanged');
  await fails(a, 'edit_message', { message_id: m.id, text: 'back' }, 'not_found');
});

test('seed §Edit own message: only within the edit period', async () => {
  const s = await startUnichatServer({
    editWindowMs: 0,
    users: [{ email: 'e@x.test', password: 'secret-pw' }],
  });
  try {
    const call = async (method: string, args: Obj, token?: string) => {
      const res = await fetch(`${s.url}/api/${method}`, {
        method: 'POST',
        headers: {
          APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
          ...(token ? { USER_AUTH_TOKEN: token } : {}),
        },
        body: JSON.stringify({ args }),
      });
      return (await res.json()) as Obj;
    };
    const token = s.newSession('e@x.test');
    const { subscription } = await call('create_room', { name: 'r' }, token);
    const { message } = await call(
      'post',
      { subscription_id: subscription.id, uid: uid(), text: 'x' },
      token,
    );
    await new Promise((r) => setTimeout(r, 5));
    const r = await call('edit_message', { message_id: message.id, text: 'y' }, token);
    assert.equal(r.error_code, 'edit_period_expired');
  } finally {
    await s.close();
  }
});

// ---- membership (seed §Invite to the room … §When the last participant leaves) ----

test('seed §Invite to the room: returns the new subscription, notifies, posts invite', async () => {
  const a = await account();
  const b = await account();
  const c = await account();
  const sub = await room(a, [b]);
  const cStream = await Stream.open(c);
  const bSub = await subOf(b, sub.group_id);
  const { subscription } = await ok(b, 'invite', { subscription_id: bSub.id, user_id: c.id });
  assert.equal(subscription.user_id, c.id);
  assert.equal(subscription.role, 'rw');
  await cStream.waitFor(
    (n) => n.event === 'new' && n.object_name === 'subscription',
    'new subscription',
  );
  const sys = await cStream.waitFor(
    (n) => n.event === 'new' && n.object.xtag === 'invite',
    'invite message',
  );
  assert.equal(sys.object.user_id, b.id);
  assert.deepEqual(sys.object.reference, { type: 'user', id: String(c.id) });
  cStream.close();
  await fails(b, 'invite', { subscription_id: bSub.id, user_id: [c.id] }, 'already_subscribed');
});

test('seed §Use invite code: joining posts joined; the code is stable', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a);
  const { code } = await ok(a, 'create_group_invite_code', { subscription_id: sub.id });
  assert.equal((await ok(a, 'create_group_invite_code', { subscription_id: sub.id })).code, code);
  assert.equal(
    (await ok(a, 'get_subscription', { subscription_id: sub.id })).subscription.group.invite_code,
    code,
  );
  assert.deepEqual(await ok(b, 'use_invite_code', { code }), { status: 'OK' });
  const bSub = await subOf(b, sub.group_id);
  assert.equal(bSub.role, 'rw');
  const { messages } = await ok(a, 'get_messages', { subscription_id: sub.id, limit: 1 });
  assert.equal(messages[0].xtag, 'joined');
  assert.equal(messages[0].user_id, b.id);
  await fails(b, 'use_invite_code', { code: 'wrong' }, 'not_found');
});

test('seed §When the group owner leaves: the oldest admin, else the oldest writer, becomes owner', async () => {
  const owner = await account();
  const w1 = await account();
  const w2 = await account();
  const sub = await room(owner, [w1, w2]);
  await ok(owner, 'set_access', { subscription_id: sub.id, user_id: w2.id, role: 'admin' });
  const w1Stream = await Stream.open(w1);
  assert.deepEqual(await ok(owner, 'unsubscribe', { subscription_id: sub.id }), { status: 'OK' });
  const gone = await w1Stream.waitFor(
    (n) => n.event === 'deleted' && n.object_name === 'subscription',
    'deleted subscription',
  );
  assert.equal(gone.object.id, sub.id);
  const leave = w1Stream.received.find((n) => n.event === 'new' && n.object.xtag === 'leave');
  assert.equal(leave?.object.user_id, owner.id, 'leave is posted before the subscription goes');
  w1Stream.close();
  const w2Sub = await subOf(w2, sub.group_id);
  const g = (await ok(w2, 'get_subscription', { subscription_id: w2Sub.id })).subscription.group;
  assert.equal(g.owner_id, w2.id, 'the admin, though a writer is older');

  // Next the only writer left inherits and is promoted.
  await ok(w2, 'unsubscribe', { subscription_id: w2Sub.id });
  const w1Sub = await subOf(w1, sub.group_id);
  assert.equal(w1Sub.role, 'admin');
  assert.equal(w1Sub.group.owner_id, w1.id);
});

test('seed §When the last participant leaves: the group is destroyed', async () => {
  const a = await account();
  const sub = await room(a);
  const m = (await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'bye' })).message;
  await ok(a, 'unsubscribe', { subscription_id: sub.id });
  assert.deepEqual((await ok(a, 'get_subscriptions')).subscriptions, []);
  const b = await account();
  const { code } = await ok(a, 'create_room', { name: 'probe' }).then((r) =>
    ok(a, 'create_group_invite_code', { subscription_id: r.subscription.id }),
  );
  await ok(b, 'use_invite_code', { code });
  await fails(b, 'get_message', { message_id: m.id }, 'not_found');
  await fails(a, 'unsubscribe', { subscription_id: sub.id }, 'not_found');
});

test('notes §2.5: set_access and kick are for admins; the owner keeps their role and place', async () => {
  const owner = await account();
  const b = await account();
  const c = await account();
  const sub = await room(owner, [b, c]);
  const bSub = await subOf(b, sub.group_id);
  await fails(
    b,
    'set_access',
    { subscription_id: bSub.id, user_id: c.id, role: 'ro' },
    'access_denied',
  );
  await fails(b, 'kick', { subscription_id: bSub.id, user_id: c.id }, 'access_denied');
  const changed = await ok(owner, 'set_access', {
    subscription_id: sub.id,
    user_id: b.id,
    role: 'admin',
  });
  assert.equal(changed.subscription.role, 'admin');
  await fails(
    b,
    'set_access',
    { subscription_id: bSub.id, user_id: owner.id, role: 'ro' },
    'access_denied',
  );
  await fails(b, 'kick', { subscription_id: bSub.id, user_id: owner.id }, 'access_denied');
  await fails(
    owner,
    'set_access',
    { subscription_id: sub.id, user_id: b.id, role: 'owner' },
    'invalid_arguments',
  );

  const cStream = await Stream.open(c);
  assert.deepEqual(await ok(b, 'kick', { subscription_id: bSub.id, user_id: c.id }), {
    status: 'OK',
  });
  const kicked = await cStream.waitFor(
    (n) => n.event === 'new' && n.object.xtag === 'kick_out',
    'kick_out',
  );
  assert.deepEqual(kicked.object.reference, { type: 'user', id: String(c.id) });
  await cStream.waitFor(
    (n) => n.event === 'deleted' && n.object_type === 'subscription',
    'deleted',
  );
  cStream.close();
  assert.deepEqual((await ok(c, 'get_subscriptions')).subscriptions, []);
});

test('notes §2.5: update_group changes name, icon and pinned message for admins', async () => {
  const a = await account();
  const b = await account();
  const sub = await room(a, [b], 'Old');
  const m = (await ok(a, 'post', { subscription_id: sub.id, uid: uid(), text: 'pin me' })).message;
  const bStream = await Stream.open(b);
  const icon = `data:image/png;base64,${Buffer.from('not really a png').toString('base64')}`;
  const { group } = await ok(a, 'update_group', {
    subscription_id: sub.id,
    name: 'New',
    icon,
    pinned_message_id: m.id,
  });
  assert.equal(group.name, 'New');
  assert.equal(group.pinned_message_id, m.id);
  const iconBytes = await (await fetch(group.icon.full)).text();
  assert.equal(iconBytes, 'not really a png');
  const n = await bStream.waitFor(
    (x) => x.event === 'changed' && x.object_type === 'group',
    'group changed',
  );
  assert.equal(n.object.name, 'New');
  bStream.close();
  const cleared = await ok(a, 'update_group', { subscription_id: sub.id, pinned_message_id: '' });
  assert.equal(cleared.group.pinned_message_id, null);
  const bSub = await subOf(b, sub.group_id);
  await fails(b, 'update_group', { subscription_id: bSub.id, name: 'Mine' }, 'access_denied');
  await fails(
    a,
    'update_group',
    { subscription_id: sub.id, icon: 'not a data url' },
    'invalid_arguments',
  );
});

// ---- attachments and voice (seed §Files Attachments, §Large attachment, §Voice recognition) ----

test('seed §Files Attachments: a data-url image gets a url and a preview; the obsolete attachment is the last', async () => {
  const a = await account();
  const sub = await room(a);
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  const { message } = await ok(a, 'post', {
    subscription_id: sub.id,
    uid: uid(),
    text: 'photo',
    attachment: `data:image/jpeg;base64,${bytes.toString('base64')}`,
    attachment_filename: 'test.jpg',
  });
  const [att] = message.attachments;
  assert.equal(att.content_type, 'image/jpeg');
  assert.equal(att.byte_size, bytes.length);
  assert.equal(att.filename, 'test.jpg');
  assert.equal(typeof att.preview, 'string');
  assert.deepEqual(message.attachment, att);
  assert.deepEqual(Buffer.from(await (await fetch(att.url)).arrayBuffer()), bytes);
  const jpegPreview = await fetch(att.preview);
  assert.equal(jpegPreview.headers.get('content-type'), 'image/jpeg', 'not decodable: as is');
  const doc = (
    await ok(a, 'post', {
      subscription_id: sub.id,
      uid: uid(),
      text: 'doc',
      attachment: 'data:text/plain;base64,aGk=',
    })
  ).message;
  assert.equal(doc.attachments[0].preview, undefined, 'previews only for images');
  await fails(
    a,
    'post',
    { subscription_id: sub.id, uid: uid(), text: 'x', attachment: 'http://x/y' },
    'invalid_arguments',
  );
});

test('seed §Post message: an image/* attachment gets a scaled-down preview', async () => {
  const a = await account();
  const sub = await room(a);
  const width = 800;
  const height = 400;
  const png = encodePng({ width, height, data: new Uint8Array(width * height * 4).fill(200) });
  const { message } = await ok(a, 'post', {
    subscription_id: sub.id,
    uid: uid(),
    text: 'wide',
    attachment: `data:image/png;base64,${png.toString('base64')}`,
  });
  const [att] = message.attachments;
  const original = Buffer.from(await (await fetch(att.url)).arrayBuffer());
  assert.ok(original.equals(png), 'the original is kept');
  const res = await fetch(att.preview);
  assert.equal(res.headers.get('content-type'), 'image/png');
  const preview = decodePng(new Uint8Array(await res.arrayBuffer()));
  assert.deepEqual([preview.width, preview.height], [PREVIEW_SIDE, PREVIEW_SIDE / 2]);
});

test('seed §Large attachment: async chunks out of order assemble, verify and attach by upload_id', async () => {
  const a = await account();
  const sub = await room(a);
  const file = Buffer.alloc(2_500_000);
  for (let i = 0; i < file.length; i++) file[i] = (i * 7 + (i >> 9)) & 0xff;
  const size = 1_048_576;
  const chunks = [0, 1, 2].map((i) => file.subarray(i * size, (i + 1) * size));
  const send = (chunkId: number, uploadId: number | null) =>
    ok(a, 'attachment_by_chunks', {
      async: true,
      chunk_id: chunkId,
      upload_id: uploadId,
      file_chunk: chunks[chunkId]!.toString('base64'),
      file_size: file.length,
      file_checksum: crc32(file),
      file_name: 'big.bin',
      content_type: 'application/octet-stream',
    });
  const first = await send(2, null);
  assert.equal(first.file_size, chunks[2]!.length, 'async: the chunk size');
  assert.equal(first.file_checksum, crc32(chunks[2]!), 'async: the chunk checksum');
  await fails(
    a,
    'post',
    { subscription_id: sub.id, uid: uid(), text: 'x', upload_id: [first.upload_id] },
    'upload_incomplete',
  );
  await send(0, first.upload_id);
  await send(1, first.upload_id);
  const { message } = await ok(a, 'post', {
    subscription_id: sub.id,
    uid: uid(),
    text: 'big',
    upload_id: first.upload_id,
  });
  assert.equal(message.attachments[0].byte_size, file.length);
  assert.equal(message.attachments[0].filename, 'big.bin');
  const got = Buffer.from(await (await fetch(message.attachments[0].url)).arrayBuffer());
  assert.ok(got.equals(file));
});

test('seed §Large attachment: sync chunks in order; a wrong checksum is rejected and the upload dropped', async () => {
  const a = await account();
  const file = Buffer.from('x'.repeat(100_000));
  const parts = [file.subarray(0, 64_000), file.subarray(64_000)];
  const args = (i: number, uploadId: number | null, checksum: number) => ({
    file_chunk: parts[i]!.toString('base64'),
    upload_id: uploadId,
    file_size: file.length,
    file_checksum: checksum,
    file_name: 'a.txt',
    content_type: 'text/plain',
  });
  const r0 = await ok(a, 'attachment_by_chunks', args(0, null, crc32(file)));
  assert.equal(r0.file_size, 64_000, 'sync: the size so far');
  const r1 = await ok(a, 'attachment_by_chunks', args(1, r0.upload_id, crc32(file)));
  assert.equal(r1.file_size, file.length);
  assert.equal(r1.file_checksum, crc32(file));

  const bad = await ok(a, 'attachment_by_chunks', args(0, null, (crc32(file) + 1) >>> 0));
  await fails(a, 'attachment_by_chunks', args(1, bad.upload_id, 0), 'checksum_mismatch');
  await fails(a, 'attachment_by_chunks', args(1, bad.upload_id, 0), 'not_found');
  await fails(
    a,
    'attachment_by_chunks',
    { ...args(0, null, 0), file_chunk: Buffer.alloc(64_001).toString('base64') },
    'chunk_too_large',
  );
  await fails(
    a,
    'attachment_by_chunks',
    { ...args(0, null, 0), file_chunk: '***' },
    'invalid_arguments',
  );
});

test('seed §Voice recognition: pending, then a (stand-in) transcript', async () => {
  const a = await account();
  const sub = await room(a);
  const audio = Buffer.from('OggS fake audio');
  const up = await ok(a, 'attachment_by_chunks', {
    file_chunk: audio.toString('base64'),
    upload_id: null,
    file_size: audio.length,
    file_checksum: crc32(audio),
    file_name: 'audio.ogg',
    content_type: 'audio/ogg',
    voice_recognition: true,
    subscription_id: sub.id,
  });
  assert.equal(up.voice_recognition, true);
  await fails(a, 'voice_recognition_result', { upload_id: up.upload_id }, 'not_found');
  const started = (await ok(a, 'voice_recognition', { upload_id: up.upload_id })).result;
  assert.equal(started.status, 'pending');
  assert.equal(started.transcript, null);
  assert.equal(started.audio.filename, 'audio.ogg');
  const done = (await ok(a, 'voice_recognition_result', { upload_id: up.upload_id })).result;
  assert.equal(done.status, 'completed');
  assert.equal(typeof done.transcript, 'string');
  assert.equal(done.error, null);
  await fails(a, 'voice_recognition', { upload_id: 999999 }, 'not_found');
});

test('notes §2.2: a stream code is single-use; logout ends the stream', async () => {
  const a = await account();
  const { code } = await ok(a, 'create_sse_auth_code');
  const res = await fetch(`${server.url}/api/sse?code=${code}`);
  const reader = res.body!.getReader();
  await reader.read();
  const reused = await fetch(`${server.url}/api/sse?code=${code}`);
  assert.equal(reused.status, 400);
  assert.equal(((await reused.json()) as Obj).error_code, 'auth_failed');
  await fails(null, 'create_sse_auth_code', {}, 'not_logged_in');
  await ok(a, 'logout');
  for (;;) if ((await reader.read()).done) break;
});
