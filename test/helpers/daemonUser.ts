// A Parley daemon on a temp profile, signed in to one test server: what one
// user of a test sees. Every protocol's "user" helper is this with its
// connector. Polling is set to an hour, so whatever arrives live arrived by
// the protocol's push channel. `offline()` stops the daemon and keeps its
// profile; `online()` starts a new daemon on it, as reopening the app would.
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import type { Connector } from '../../main/daemon/connectors/connector.js';
import type { Account, ChatSummary, MessageView, Protocol } from '../../main/daemon/model/types.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import { memorySecrets, tempDir } from './fixtures.js';

export interface DaemonUser<Options> {
  daemon: Daemon;
  account: Account;
  /** What the daemon put in the keychain. */
  secrets: Map<string, string>;
  /** Every daemon event, as the UI would receive them. */
  events: DaemonEvent[];
  /** The daemon's operational log (sync failures and their reasons). */
  log: string[];
  chat(remoteId: string): ChatSummary | undefined;
  messages(remoteChatId: string): MessageView[];
  call<T>(name: string, input: unknown): Promise<T>;
  offline(): Promise<void>;
  /** A new daemon on the same profile, its connector made with these options (else the first ones). */
  online(options?: Options): Promise<void>;
  close(): Promise<void>;
}

export interface DaemonUserSetup<Options> {
  protocol: Protocol;
  /** Makes the account's connector (again for each daemon `online()` starts). */
  connector(options: Options): Connector;
  options: Options;
  server: string;
  username: string;
  password: string;
}

export async function signInDaemonUser<Options>(
  setup: DaemonUserSetup<Options>,
): Promise<DaemonUser<Options>> {
  const { dir, cleanup } = tempDir(`parley-${setup.protocol}-`);
  const secrets = memorySecrets();
  const log: string[] = [];
  const events: DaemonEvent[] = [];
  const start = (options: Options) => {
    const daemon = new Daemon({
      profileDir: dir,
      secrets,
      log: (line) => log.push(line),
      connectors: new ConnectorRegistry().register(setup.protocol, () => setup.connector(options)),
      engine: {
        loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 3_600_000 },
        outbox: { backoff: { baseMs: 20, maxMs: 200 } },
      },
    });
    daemon.subscribe((e) => events.push(e));
    return daemon;
  };
  let daemon = start(setup.options);
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  let account: Account;
  try {
    account = await call<Account>('accounts.add', {
      protocol: setup.protocol,
      server: setup.server,
      username: setup.username,
      password: setup.password,
    });
  } catch (err) {
    // A refused sign-in leaves nothing running behind the test.
    await daemon.close().catch(() => undefined);
    cleanup();
    throw err;
  }
  const chat = (remoteId: string) =>
    daemon.store.read.chats({ accountId: account.id }).find((c) => c.remoteId === remoteId);
  return {
    get daemon() {
      return daemon;
    },
    account,
    secrets: secrets.map,
    log,
    events,
    chat,
    messages: (remoteChatId) => {
      const c = chat(remoteChatId);
      return c ? daemon.store.read.messages(c.id, { limit: 500 }) : [];
    },
    call,
    offline: async () => {
      await daemon.close();
    },
    online: async (options = setup.options) => {
      daemon = start(options);
      await daemon.start();
    },
    close: async () => {
      await daemon.close().catch(() => undefined);
      cleanup();
    },
  };
}
