// A Parley daemon on a temp profile, signed in to the unichat reference
// server (test/servers/unichat): what one user of a test sees. Polling is set
// to an hour, so whatever arrives live arrived by the SSE stream. `offline()`
// stops the daemon and keeps its profile; `online()` starts a new daemon on
// it, as reopening the app would.
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import {
  UnichatConnector,
  type UnichatOptions,
} from '../../main/daemon/connectors/unichat/connector.js';
import type { Account, ChatSummary, MessageView } from '../../main/daemon/model/types.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import { memorySecrets, tempDir } from './fixtures.js';

export interface UnichatUser {
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
  online(options?: UnichatOptions): Promise<void>;
  close(): Promise<void>;
}

export async function signInUnichatUser(
  serverUrl: string,
  email: string,
  password: string,
  options: UnichatOptions = {},
): Promise<UnichatUser> {
  const { dir, cleanup } = tempDir('parley-unichat-');
  const secrets = memorySecrets();
  const log: string[] = [];
  const events: DaemonEvent[] = [];
  const start = (opts: UnichatOptions) => {
    const daemon = new Daemon({
      profileDir: dir,
      secrets,
      log: (line) => log.push(line),
      connectors: new ConnectorRegistry().register('unichat', () => new UnichatConnector(opts)),
      engine: {
        loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 3_600_000 },
        outbox: { backoff: { baseMs: 20, maxMs: 200 } },
      },
    });
    daemon.subscribe((e) => events.push(e));
    return daemon;
  };
  const user = { daemon: start(options) } as UnichatUser;
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await user.daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const account = await call<Account>('accounts.add', {
    protocol: 'unichat',
    server: serverUrl,
    username: email,
    password,
  });
  const chat = (remoteId: string) =>
    user.daemon.store.read.chats({ accountId: account.id }).find((c) => c.remoteId === remoteId);
  return Object.assign(user, {
    account,
    secrets: secrets.map,
    log,
    events,
    chat,
    messages: (remoteChatId: string) => {
      const c = chat(remoteChatId);
      return c ? user.daemon.store.read.messages(c.id, { limit: 500 }) : [];
    },
    call,
    offline: async () => {
      await user.daemon.close();
    },
    online: async (opts: UnichatOptions = options) => {
      user.daemon = start(opts);
      await user.daemon.start();
    },
    close: async () => {
      await user.daemon.close().catch(() => undefined);
      cleanup();
    },
  });
}
