// One life of the app in the crash soak: a daemon on the profile, signed in to
// the JMAP Chat server (first life only), syncing live and sending what is
// queued; each life queues a few sends of its own and then runs until the soak
// SIGKILLs it. It prints "queued <body>" once a send is committed to the outbox.
//   tsx test/soak/soakChild.ts PROFILE SERVER_URL LIFE SENDS
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { FileSecretStore } from '../../main/daemon/secrets/fileSecretStore.js';
import type { Account, ChatSummary } from '../../main/daemon/model/types.js';

const [profile, server, life, sends] = process.argv.slice(2) as [string, string, string, string];
const daemon = new Daemon({
  profileDir: profile,
  secrets: new FileSecretStore(profile),
  connectors: new ConnectorRegistry().register(
    'jmap-chat',
    () => new JmapChatConnector({ pollIntervalMs: 500, windowPerChat: 10, pageSize: 10 }),
  ),
  engine: {
    loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 500 },
    outbox: { backoff: { baseMs: 20, maxMs: 200 } },
  },
});
const call = async <T>(name: string, input: unknown): Promise<T> => {
  const r = await daemon.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
};
if (daemon.store.accounts.list().length === 0)
  await call<Account>('accounts.add', {
    protocol: 'jmap-chat',
    server,
    username: 'bo',
    password: 'bo-pw',
  });
await daemon.start();
let chat: ChatSummary | undefined;
while (!(chat = daemon.store.read.chats()[0])) await new Promise((r) => setTimeout(r, 20));
for (let j = 0; j < Number(sends); j++) {
  const body = `soak send ${life}-${j}`;
  await call('messages.send', { chatId: chat.id, body });
  process.stdout.write(`queued ${body}\n`);
}
process.stdout.write('ready\n');
