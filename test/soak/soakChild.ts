// One life of the app in the crash soak: a daemon on the profile with its
// accounts (added in the first life that gets that far), syncing live and
// backfilling, sending what is queued; with `web`, also the web host on a
// fixed port and token, so the page the soak keeps open reconnects to each
// new life. Each life queues a few sends of its own per sending account, then
// runs until the soak SIGKILLs it. It prints "up" once the profile is open,
// "web" once the web host listens, "queued <body>" once a send is committed to the outbox, and "ready" once
// this life's sends are all queued.
//   tsx test/soak/soakChild.ts '<ChildConfig JSON>'
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import { FileSecretStore } from '../../main/daemon/secrets/fileSecretStore.js';
import { startWebHost } from '../../main/web/webHost.js';
import { soakSendBody, type SoakAccount } from './sides/side.js';

export interface ChildConfig {
  profile: string;
  life: number;
  /** Sends queued per sending account in this life. */
  sends: number;
  accounts: SoakAccount[];
  web: { port: number; token: string; rendererDir: string } | null;
}

const config = JSON.parse(process.argv[2]!) as ChildConfig;
const out = (line: string) => process.stdout.write(`${line}\n`);

// Small pages, so history comes in many batches (more moments to be killed in).
const connectors = new ConnectorRegistry()
  .register(
    'jmap-chat',
    () => new JmapChatConnector({ pollIntervalMs: 500, windowPerChat: 10, pageSize: 10 }),
  )
  // No crypto store: the soak's room is not encrypted.
  .register(
    'matrix',
    () =>
      new MatrixConnector({ cryptoDir: null, timelineLimit: 10, pageSize: 20, longPollMs: 2000 }),
  )
  .register(
    'jmap-mail',
    () => new JmapMailConnector({ pollIntervalMs: 1000, windowSize: 200, pageSize: 100 }),
  );
const daemon = new Daemon({
  profileDir: config.profile,
  secrets: new FileSecretStore(config.profile),
  connectors,
  engine: {
    loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 500 },
    outbox: { backoff: { baseMs: 20, maxMs: 200 } },
  },
});
out('up');
const call = async <T>(name: string, input: unknown): Promise<T> => {
  const r = await daemon.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
};

if (config.web)
  await startWebHost({
    client: {
      callRaw: (name, input) => daemon.call(name, input),
      subscribe: (listener) => daemon.subscribe(listener),
    },
    port: config.web.port,
    token: config.web.token,
    rendererDir: config.web.rendererDir,
    blobDir: `${config.profile}/blobs`,
  });
if (config.web) out('web');

for (const a of config.accounts)
  if (!daemon.store.accounts.list().some((known) => known.protocol === a.protocol))
    await call('accounts.add', {
      protocol: a.protocol,
      server: a.server,
      username: a.username,
      password: a.password,
    });
await daemon.start();

/** This life's sends to one account's chat, once the chat is known. */
async function queueSends(a: SoakAccount): Promise<void> {
  const account = daemon.store.accounts.list().find((known) => known.protocol === a.protocol)!;
  let chatId: number | undefined;
  while (
    (chatId = daemon.store.read
      .chats()
      .find((c) => c.accountId === account.id && c.remoteId === a.sendTo)?.id) === undefined
  )
    await new Promise((r) => setTimeout(r, 50));
  for (let j = 0; j < config.sends; j++) {
    const body = soakSendBody(a.protocol, config.life, j);
    await call('messages.send', { chatId, body });
    out(`queued ${body}`);
  }
}
await Promise.all(config.accounts.filter((a) => a.sendTo !== null).map(queueSends));
out('ready');
