// A Parley daemon on a temp profile, signed in to the REST chat reference
// server (test/servers/rest-chat): what one user of a test sees. Polling is
// set to an hour, so whatever arrives live arrived by the websocket.
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import {
  RestChatConnector,
  type RestChatOptions,
} from '../../main/daemon/connectors/rest-chat/connector.js';
import type { Account, ChatSummary, MessageView } from '../../main/daemon/model/types.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import { memorySecrets, tempDir } from './fixtures.js';

export interface RestChatUser {
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
  close(): Promise<void>;
}

export async function signInRestChatUser(
  serverUrl: string,
  username: string,
  password: string,
  options: RestChatOptions = {},
): Promise<RestChatUser> {
  const { dir, cleanup } = tempDir('parley-restchat-');
  const secrets = memorySecrets();
  const log: string[] = [];
  const daemon = new Daemon({
    profileDir: dir,
    secrets,
    log: (line) => log.push(line),
    connectors: new ConnectorRegistry().register('rest-chat', () => new RestChatConnector(options)),
    engine: {
      loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 3_600_000 },
      outbox: { backoff: { baseMs: 20, maxMs: 200 } },
    },
  });
  const events: DaemonEvent[] = [];
  daemon.subscribe((e) => events.push(e));
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const account = await call<Account>('accounts.add', {
    protocol: 'rest-chat',
    server: serverUrl,
    username,
    password,
  });
  const chat = (remoteId: string) =>
    daemon.store.read.chats({ accountId: account.id }).find((c) => c.remoteId === remoteId);
  return {
    daemon,
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
    close: async () => {
      await daemon.close().catch(() => undefined);
      cleanup();
    },
  };
}
