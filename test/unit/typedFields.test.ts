// What the UI shows of a mail (its addresses, starred, draft) and of an
// invitation (who invited) comes from typed model fields stored in columns:
// nothing outside a connector reads raw_json. Also: Parley's own stored JSON
// is parsed with a schema when read, so a malformed value falls back instead
// of failing or being trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import type { RemoteMailFields, RemoteMessage } from '../../main/daemon/model/types.js';
import { emailToMessage } from '../../main/daemon/connectors/jmap-mail/mapping.js';
import { EmailSchema } from '../../main/daemon/connectors/jmap-mail/wire.js';
import { inviteOf } from '../../main/daemon/connectors/matrix/mapping/rooms.js';
import { addAccount, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

function daemon() {
  const { dir, cleanup } = tempDir();
  const d = new Daemon({ profileDir: dir, secrets: memorySecrets() });
  return { daemon: d, cleanup: async () => (await d.close(), cleanup()) };
}

async function call<T>(d: Daemon, name: string, input: unknown): Promise<T> {
  const r = await d.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const mailFields = (over: Partial<RemoteMailFields> = {}): RemoteMailFields => ({
  from: [{ name: 'Ann', email: 'ann@example.test' }],
  to: [
    { name: null, email: 'me@example.test' },
    { name: 'Bo', email: 'bo@example.test' },
  ],
  cc: [],
  flagged: false,
  draft: false,
  ...over,
});

const mail = (remoteId: string, fields: RemoteMailFields, raw: unknown = {}): RemoteMessage =>
  message('T1', remoteId, T0, 'hello', { kind: 'mail', subject: 'Plans', mail: fields, raw });

test('mail.headers and the starred/draft flags come from the typed mail fields, replaced on replay', async () => {
  const { daemon: d, cleanup } = daemon();
  try {
    const account = addAccount(d.store);
    // raw says something else: it is an archive, never read for what the UI shows.
    const bogusRaw = { from: [{ email: 'raw@example.test' }], keywords: { $flagged: true } };
    d.store.writer.apply(account.id, {
      chats: [{ remoteId: 'T1', kind: 'mail', name: 'Plans' }],
      messages: [mail('E1', mailFields(), bogusRaw), message('T1', 'C1', T0 + 1, 'chat text')],
    });
    const [chat] = d.store.read.chats();
    const page = await call<{ id: number; remoteId: string; starred?: boolean }[]>(
      d,
      'messages.page',
      { chatId: chat!.id },
    );
    const e1 = page.find((m) => m.remoteId === 'E1')!;
    const c1 = page.find((m) => m.remoteId === 'C1')!;
    assert.deepEqual(await call(d, 'mail.headers', { messageId: e1.id }), {
      from: [{ name: 'Ann', email: 'ann@example.test' }],
      to: [
        { name: null, email: 'me@example.test' },
        { name: 'Bo', email: 'bo@example.test' },
      ],
      cc: [],
    });
    assert.equal(e1.starred, false, 'not starred: the typed keyword says so, whatever raw holds');
    assert.deepEqual(await call(d, 'mail.headers', { messageId: c1.id }), {
      from: [],
      to: [],
      cc: [],
    });

    // The server's next copy: flagged, one recipient fewer, a Cc. No address is doubled.
    d.store.writer.apply(account.id, {
      messages: [
        mail(
          'E1',
          mailFields({
            to: [{ name: 'Bo', email: 'bo@example.test' }],
            cc: [{ name: null, email: 'cy@example.test' }],
            flagged: true,
          }),
        ),
      ],
    });
    assert.deepEqual(await call(d, 'mail.headers', { messageId: e1.id }), {
      from: [{ name: 'Ann', email: 'ann@example.test' }],
      to: [{ name: 'Bo', email: 'bo@example.test' }],
      cc: [{ name: null, email: 'cy@example.test' }],
    });
    const [again] = await call<{ starred?: boolean; draft?: boolean }[]>(d, 'messages.byIds', {
      ids: [e1.id],
    });
    assert.deepEqual([again!.starred, again!.draft], [true, false]);

    const missing = await d.call('mail.headers', { messageId: 999_999 });
    assert.equal(missing.ok ? null : missing.error.code, 'not_found');
  } finally {
    await cleanup();
  }
});

test('invites.list names the inviter from the chat’s typed field, and forgets it once the chat says none', async () => {
  const { daemon: d, cleanup } = daemon();
  try {
    const account = addAccount(d.store);
    const invited = {
      chats: [{ remoteId: '!inv', kind: 'group' as const, name: 'Plans', inviterRemoteId: '@ann' }],
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      members: [{ chatRemoteId: '!inv', personRemoteId: '@me', membership: 'invite' }],
    };
    d.store.writer.apply(account.id, invited);
    const list = await call<{ inviterRemoteId: string | null; inviterName: string | null }[]>(
      d,
      'invites.list',
      {},
    );
    assert.deepEqual(
      list.map((i) => [i.inviterRemoteId, i.inviterName]),
      [['@ann', 'Ann']],
    );

    // An inviter we know nothing else about shows by id.
    d.store.writer.apply(account.id, {
      chats: [{ ...invited.chats[0]!, inviterRemoteId: '@stranger' }],
    });
    const [byId] = await call<{ inviterName: string | null }[]>(d, 'invites.list', {});
    assert.equal(byId!.inviterName, '@stranger');

    // The next state of the chat has no inviter: none is shown.
    d.store.writer.apply(account.id, {
      chats: [{ remoteId: '!inv', kind: 'group', name: 'Plans' }],
    });
    const [none] = await call<{ inviterRemoteId: string | null }[]>(d, 'invites.list', {});
    assert.equal(none!.inviterRemoteId, null);
  } finally {
    await cleanup();
  }
});

test('the JMAP Mail mapping fills the typed mail fields; the Matrix invite mapping fills the inviter', () => {
  const email = EmailSchema.parse({
    id: 'E1',
    threadId: 'T1',
    mailboxIds: { inbox: true },
    keywords: { $flagged: true, $seen: true },
    receivedAt: '2024-01-01T00:00:00Z',
    from: [{ name: 'Ann', email: 'ann@example.test' }],
    to: [{ name: '', email: 'me@example.test' }, { name: 'No address' }],
    cc: null,
    subject: 'Plans',
    preview: 'hello',
  });
  assert.deepEqual(emailToMessage(email).mail, {
    from: [{ name: 'Ann', email: 'ann@example.test' }],
    to: [{ name: null, email: 'me@example.test' }],
    cc: [],
    flagged: true,
    draft: false,
  });

  const { chat } = inviteOf(
    '!r:example.test',
    {
      invite_state: {
        events: [
          {
            type: 'm.room.member',
            state_key: '@me:example.test',
            sender: '@ann:example.test',
            content: { membership: 'invite' },
          },
        ],
      },
    },
    { selfId: '@me:example.test' } as Parameters<typeof inviteOf>[2],
  );
  assert.equal(chat?.inviterRemoteId, '@ann:example.test');
});

test('a stored setting that no longer parses reads as its default; settings.set writes a clean one', async () => {
  const { daemon: d, cleanup } = daemon();
  try {
    d.store.db
      .prepare(`INSERT INTO settings (key, value_json) VALUES ('dnd', ?), ('accountNotify', ?)`)
      .run(JSON.stringify({ enabled: 'yes' }), JSON.stringify({ 1: 'loud' }));
    const settings = await call<{ dnd: { enabled: boolean }; accountNotify: object }>(
      d,
      'settings.get',
      {},
    );
    assert.equal(settings.dnd.enabled, false);
    assert.deepEqual(settings.accountNotify, {});
    await call(d, 'settings.set', { accountNotify: { accountId: 1, level: 'mentions' } });
    const after = await call<{ accountNotify: object }>(d, 'settings.get', {});
    assert.deepEqual(after.accountNotify, { 1: 'mentions' });
  } finally {
    await cleanup();
  }
});

test('a waiting relation whose stored payload no longer parses is dropped, not applied', async () => {
  const { daemon: d, cleanup } = daemon();
  try {
    const account = addAccount(d.store);
    d.store.writer.apply(account.id, {
      chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
      edits: [{ messageRemoteId: '$m', body: 'edited', editedTs: T0 + 5 }],
    });
    d.store.db
      .prepare(`UPDATE pending_relations SET payload_json = ?`)
      .run(JSON.stringify({ messageRemoteId: '$m', body: 42 }));
    d.store.writer.apply(account.id, { messages: [message('!r', '$m', T0, 'original')] });
    const [chat] = d.store.read.chats();
    const [m] = d.store.read.messages(chat!.id);
    assert.equal(m!.body, 'original');
    assert.equal(m!.edited, false);
    assert.equal(
      d.store.db.prepare(`SELECT count(*) FROM pending_relations`).pluck().get(),
      0,
      'the unreadable row is gone',
    );
  } finally {
    await cleanup();
  }
});
