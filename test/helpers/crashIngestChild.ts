// Child process for the crash-safety test: ingests numbered batches into a
// profile, resuming after the last committed cursor, until it is killed.
// Batch i holds messages b<i>-m0..m<N-1>; its cursor is "i".
import { Store } from '../../main/daemon/store/store.js';

export const MESSAGES_PER_BATCH = 200;

const dir = process.argv[2]!;
const store = Store.open(dir);
let account = store.accounts.list()[0];
if (!account) {
  account = store.accounts.add({
    protocol: 'matrix',
    server: 'https://crash.test',
    username: 'me',
  });
  store.writer.apply(account.id, {
    chats: [{ remoteId: '!crash', kind: 'group', name: 'Crash room' }],
    people: [{ remoteId: '@me', displayName: 'Me', isSelf: true }],
  });
}
let next = Number(store.writer.cursor(account.id, 'sync') ?? '0') + 1;
process.stdout.write('ready\n');
for (;;) {
  const messages = Array.from({ length: MESSAGES_PER_BATCH }, (_, j) => ({
    remoteId: `b${next}-m${j}`,
    chatRemoteId: '!crash',
    senderRemoteId: '@other',
    senderName: 'Other',
    ts: 1_700_000_000_000 + next * 1000 + j,
    kind: 'text' as const,
    body: `crashword batch ${next} message ${j} ${'lorem ipsum '.repeat(j % 7)}`,
  }));
  store.writer.apply(account.id, { messages, cursors: { sync: String(next) } });
  next++;
}
