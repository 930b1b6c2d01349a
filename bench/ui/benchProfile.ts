// The large profile bench:ui measures (and scrollProfile.ts profiles): one chat
// of `messages` messages and `chats` chats of three messages each, written
// through the Store's BatchWriter.
import { Store } from '../../main/daemon/store/store.js';
import type { RemoteMessage } from '../../main/daemon/model/types.js';

const WORDS =
  'the release build ships today please review the design notes before standup we moved the meeting deploy finished without errors coffee later budget numbers look fine ok thanks'.split(
    ' ',
  );
export const sentence = (i: number): string =>
  Array.from({ length: 6 + (i % 14) }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(' ');

export function buildProfile(dir: string, messageCount: number, chatCount: number): void {
  const store = Store.open(dir);
  try {
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://bench.example.test',
      username: 'me',
      label: 'Bench',
      workspace: 'Bench',
    });
    const now = Date.now();
    store.writer.apply(account.id, {
      people: [
        { remoteId: '@me', displayName: 'Me', isSelf: true },
        { remoteId: '@ann', displayName: 'Ann' },
        { remoteId: '@bob', displayName: 'Bob' },
      ],
      chats: [
        { remoteId: '!big', kind: 'group', name: 'Big room' },
        ...Array.from({ length: chatCount - 1 }, (_, i) => ({
          remoteId: `!c${i}`,
          kind: 'group' as const,
          name: `Chat ${i} ${WORDS[i % WORDS.length]}`,
        })),
      ],
    });
    const BATCH = 5000;
    for (let start = 0; start < messageCount; start += BATCH) {
      const messages: RemoteMessage[] = [];
      for (let i = start; i < Math.min(messageCount, start + BATCH); i++)
        messages.push({
          remoteId: `$big${i}`,
          chatRemoteId: '!big',
          senderRemoteId: i % 3 === 0 ? '@bob' : '@ann',
          senderName: i % 3 === 0 ? 'Bob' : 'Ann',
          // Newest last; a minute apart so day separators and grouping both occur.
          ts: now - (messageCount - i) * 45_000,
          kind: 'text',
          body: sentence(i),
        });
      store.writer.apply(account.id, { messages });
    }
    const small: RemoteMessage[] = [];
    for (let c = 0; c < chatCount - 1; c++)
      for (let k = 0; k < 3; k++)
        small.push({
          remoteId: `$c${c}-${k}`,
          chatRemoteId: `!c${c}`,
          senderRemoteId: '@ann',
          senderName: 'Ann',
          ts: now - 3_600_000 - c * 60_000 - k * 1000,
          kind: 'text',
          body: sentence(c + k),
        });
    for (let i = 0; i < small.length; i += BATCH)
      store.writer.apply(account.id, { messages: small.slice(i, i + BATCH) });
  } finally {
    store.close();
  }
}
