// A profile with a bit of everything a user keeps: two accounts in two
// workspaces, chats with messages, edits (with their history), reactions, a
// deletion, a thread, attachments with their bytes in the blob store,
// app/account/chat settings, a draft, and outbox entries (pending and failed).
// The upgrade fixture (test/fixtures/profiles/) was made with it, and the
// export and backup tests fill their profiles with it. `profileSnapshot` reads
// all of it back, to compare a profile before and after (an upgrade, a
// restore).
import { Daemon } from '../../main/daemon/daemon.js';
import { linkFetchedBlob } from '../../main/daemon/store/attachments.js';
import {
  readAccountSettings,
  updateAccountSettings,
} from '../../main/daemon/store/accountSettings.js';
import { revisionsOf } from '../../main/daemon/store/revisions.js';
import type { MessageView } from '../../main/daemon/model/types.js';
import { memorySecrets } from './fixtures.js';

/** A fixed clock for the synced history, so a profile made twice has the same messages. */
export const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);
const minute = 60_000;

/** Bodies a hostile sender could send; an export must show them as text. */
export const HOSTILE_BODIES = [
  '<script>alert("x")</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(2)>',
  "it's <b>bold</b> & 'quoted' \u2028 ]]> <!-- -->",
];

export const PNG_BYTES = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d2e7b40000000049454e44ae426082',
  'hex',
);
export const PDF_BYTES = Buffer.from('%PDF-1.4\n% a tiny file for tests\n%%EOF\n');

async function call<T>(daemon: Daemon, name: string, input: unknown): Promise<T> {
  const r = await daemon.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** Fills the daemon's (new, empty) profile. Sync is not started: the outbox keeps its entries. */
export async function fillSampleProfile(daemon: Daemon): Promise<void> {
  const { store } = daemon;
  const ann = store.accounts.add({
    protocol: 'matrix',
    server: 'https://matrix.example',
    username: 'me',
    label: 'Me on Matrix',
    workspace: 'Personal',
  });
  const work = store.accounts.add({
    protocol: 'jmap-chat',
    server: 'https://chat.example',
    username: 'me',
    label: 'Work chat',
    workspace: 'Work',
  });
  const people = [
    { remoteId: '@me:matrix.example', displayName: 'Me', isSelf: true },
    { remoteId: '@ann:matrix.example', displayName: 'Ann' },
    { remoteId: '@bo:matrix.example', displayName: 'Bo <b>' },
  ];
  const m = (
    chat: string,
    id: string,
    i: number,
    body: string,
    sender = '@ann:matrix.example',
    extra: object = {},
  ) => ({
    remoteId: id,
    chatRemoteId: chat,
    senderRemoteId: sender,
    ts: T0 + i * minute,
    kind: 'text' as const,
    body,
    ...extra,
  });
  store.writer.apply(ann.id, {
    people,
    chats: [
      { remoteId: '!team:matrix.example', kind: 'group', name: 'Team', topic: 'Weekly <plans>' },
      { remoteId: '!ann:matrix.example', kind: 'direct', name: 'Ann' },
    ],
    messages: [
      m('!team:matrix.example', '$1', 1, 'Good morning, team'),
      m('!team:matrix.example', '$2', 2, 'The deploy went fine', '@bo:matrix.example'),
      m('!team:matrix.example', '$3', 3, 'here is the plan', '@ann:matrix.example', {
        kind: 'file',
        attachments: [
          {
            remoteId: 'mxc://m/plan',
            name: 'plan.pdf',
            mime: 'application/pdf',
            size: PDF_BYTES.length,
          },
        ],
      }),
      m('!team:matrix.example', '$4', 4, 'and a picture', '@bo:matrix.example', {
        kind: 'image',
        attachments: [
          {
            remoteId: 'mxc://m/dot',
            name: 'dot.png',
            mime: 'image/png',
            size: PNG_BYTES.length,
            width: 1,
            height: 1,
          },
        ],
      }),
      m('!team:matrix.example', '$5', 5, 'a reply in a thread', '@me:matrix.example', {
        replyToRemoteId: '$1',
        threadRootRemoteId: '$1',
      }),
      m('!team:matrix.example', '$6', 6, 'this will be deleted', '@bo:matrix.example'),
      m('!team:matrix.example', '$7', 7, 'not yet downloaded', '@ann:matrix.example', {
        kind: 'file',
        attachments: [
          { remoteId: 'mxc://m/later', name: 'later.zip', mime: 'application/zip', size: 4096 },
        ],
      }),
      ...HOSTILE_BODIES.map((body, i) =>
        m('!team:matrix.example', `$h${i}`, 10 + i, body, '@bo:matrix.example', {
          html: i === 0 ? '<p onclick="alert(3)">hi</p><script>alert(4)</script>' : null,
        }),
      ),
      m('!ann:matrix.example', '$d1', 20, 'Lunch?'),
      m('!ann:matrix.example', '$d2', 21, 'Sure, 12:30', '@me:matrix.example'),
      m('!ann:matrix.example', '$d3', 22, 'Café «Ümlaut» 日本語 🎉'),
    ],
    reactionsAdded: [
      {
        messageRemoteId: '$2',
        senderRemoteId: '@ann:matrix.example',
        key: '👍',
        ts: T0 + 30 * minute,
      },
      {
        messageRemoteId: '$2',
        senderRemoteId: '@me:matrix.example',
        key: '👍',
        ts: T0 + 31 * minute,
      },
    ],
    cursors: { sync: 's_fixture_1' },
  });
  // Two edits of one message: the history keeps both texts they replaced.
  store.writer.apply(ann.id, {
    edits: [{ messageRemoteId: '$1', body: 'Good morning, team!', editedTs: T0 + 40 * minute }],
  });
  store.writer.apply(ann.id, {
    edits: [
      {
        messageRemoteId: '$1',
        body: 'Good morning, team! (edited twice)',
        editedTs: T0 + 41 * minute,
      },
    ],
    deletions: [{ messageRemoteId: '$6' }],
  });
  store.writer.apply(work.id, {
    people: [
      { remoteId: 'me', displayName: 'Me', isSelf: true },
      { remoteId: 'cy', displayName: 'Cy' },
    ],
    chats: [{ remoteId: 'c-general', kind: 'channel', name: 'general' }],
    messages: [
      m('c-general', 'w1', 50, 'Standup in 5', 'cy'),
      m('c-general', 'w2', 51, 'on my way', 'me'),
    ],
    cursors: { chat: 'state-42' },
  });
  // The downloaded attachments' bytes are in the blob store.
  const pdf = await store.blobs.put(PDF_BYTES, 'application/pdf');
  linkFetchedBlob(store.db, ann.id, 'mxc://m/plan', pdf);
  const png = await store.blobs.put(PNG_BYTES, 'image/png');
  linkFetchedBlob(store.db, ann.id, 'mxc://m/dot', png);

  // Settings the user chose.
  const team = store.read.chats({ accountId: ann.id }).find((c) => c.name === 'Team')!;
  const direct = store.read.chats({ accountId: ann.id }).find((c) => c.name === 'Ann')!;
  const general = store.read.chats({ accountId: work.id })[0]!;
  await call(daemon, 'settings.set', {
    dnd: { enabled: true, from: '22:30', to: '06:45', days: [1, 2, 3, 4, 5] },
  });
  await call(daemon, 'settings.set', { accountNotify: { accountId: work.id, level: 'mentions' } });
  await call(daemon, 'chats.setFlags', { chatId: team.id, pinned: true, notifyLevel: 'all' });
  await call(daemon, 'chats.setFlags', { chatId: general.id, muted: true, archived: true });
  updateAccountSettings(store.db, ann.id, { historyDays: 90 });
  await call(daemon, 'drafts.save', { chatId: direct.id, body: 'half-written reply' });
  const lunch = store.read.messages(direct.id, { limit: 10 }).find((x) => x.body === 'Lunch?')!;
  await call(daemon, 'chats.markRead', { chatId: direct.id, messageId: lunch.id });

  // Writes still waiting for the server: a send, an edit, a reaction, an
  // attachment, and one the server refused.
  await call(daemon, 'messages.send', { chatId: team.id, body: 'queued while offline' });
  const mine = store.read.messages(team.id, { limit: 50 }).find((x) => x.remoteId === '$5')!;
  await call(daemon, 'messages.edit', { messageId: mine.id, body: 'a reply in a thread (fixed)' });
  await call(daemon, 'messages.react', { messageId: lunch.id, key: '🍕' });
  await call(daemon, 'messages.sendAttachment', {
    chatId: direct.id,
    name: 'note.txt',
    mime: 'text/plain',
    dataBase64: Buffer.from('a note for later\n').toString('base64'),
  });
  const refused = await call<{ outboxId: number }>(daemon, 'messages.send', {
    chatId: general.id,
    body: 'refused by the server',
  });
  store.outbox.markFailed(refused.outboxId, 'PermanentError: 403 not allowed in this channel');
}

/** Everything in a profile a user would miss, read through the daemon. */
export async function profileSnapshot(daemon: Daemon) {
  const { store } = daemon;
  const accounts = store.accounts.list().map(({ status: _s, statusDetail: _d, ...a }) => a);
  const chats = store.read.chats({}).concat(store.read.chats({ archived: true }));
  const messages: Record<string, MessageView[]> = {};
  for (const chat of chats) {
    const all: MessageView[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = store.read.messages(chat.id, { limit: 200, beforeId });
      all.push(...page);
      if (page.length < 200) break;
      beforeId = page.at(-1)!.id;
    }
    messages[chat.id] = all;
  }
  const edited = Object.values(messages)
    .flat()
    .filter((x) => x.edited)
    .map((x) => x.id);
  const editHistory = Object.fromEntries(revisionsOf(store.readDb, edited));
  const drafts: Record<string, unknown> = {};
  const notifyLevels: Record<string, unknown> = {};
  for (const chat of chats) {
    drafts[chat.id] = await call(daemon, 'drafts.get', { chatId: chat.id });
    notifyLevels[chat.id] = await call(daemon, 'chats.prefs', { chatId: chat.id });
  }
  return {
    workspaces: store.accounts.workspaces(),
    accounts,
    accountSettings: Object.fromEntries(
      accounts.map((a) => [a.id, readAccountSettings(store.readDb, a.id)]),
    ),
    cursors: Object.fromEntries(
      accounts.map((a) => [
        a.id,
        { sync: store.writer.cursor(a.id, 'sync'), chat: store.writer.cursor(a.id, 'chat') },
      ]),
    ),
    settings: await call(daemon, 'settings.get', {}),
    chats: chats.sort((a, b) => a.id - b.id),
    messages,
    editHistory,
    drafts,
    notifyLevels,
    outbox: store.outbox.list(),
  };
}

/** A daemon on a profile folder with secrets in memory and sync not started. */
export function openProfile(profileDir: string): Daemon {
  return new Daemon({ profileDir, secrets: memorySecrets() });
}
