// The JMAP Chat reference server: a direct chat between Ann and Bo (the app
// signs in as Bo and sends there); Ann keeps writing while the app lives.
import { startJmapChatServer } from '../../servers/jmap-chat/server.js';
import type { SoakSide } from './side.js';

export async function jmapChatSide(): Promise<SoakSide> {
  const server = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
    messageRate: { max: 1_000_000, windowMs: 1000 },
  });
  const auth = `Basic ${Buffer.from('ann:ann-pw').toString('base64')}`;
  const ann = async (name: string, args: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/jmap/api/`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
        methodCalls: [[name, { accountId: 'ann', ...args }, '0']],
      }),
    });
    return ((await res.json()) as { methodResponses: [string, Record<string, unknown>][] })
      .methodResponses[0]![1];
  };
  const chat = await ann('Chat/set', { create: { c: { kind: 'direct', contactId: 'bo' } } });
  const chatId = (chat.created as Record<string, { id: string }>).c!.id;
  let said = 0;
  const annSays = async (n: number) => {
    for (let i = 0; i < n; i++)
      await ann('Message/set', {
        create: {
          m: {
            chatId,
            body: `ann says ${++said}`,
            bodyType: 'text/plain',
            sentAt: new Date().toISOString(),
          },
        },
      });
  };
  await annSays(5);
  return {
    account: {
      protocol: 'jmap-chat',
      server: server.url,
      username: 'bo',
      password: 'bo-pw',
      sendTo: chatId,
    },
    write: () => annSays(3),
    async serverMessages() {
      const all = [...server.store.messages.values()].filter((m) => m.chatId === chatId);
      return new Map(all.map((m) => [m.id, m.body]));
    },
    counts: () => true,
    describe: () => ({ written: said }),
    close: () => server.close(),
  };
}
