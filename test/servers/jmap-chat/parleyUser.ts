// A Parley daemon on a temp profile, signed in to the JMAP Chat reference
// server: what one user of a test sees. Polling is set to an hour, so whatever
// arrives live arrived by push. Secrets stay in memory.
import { Daemon } from '../../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../../main/daemon/connectors/registry.js';
import {
  JmapChatConnector,
  type JmapChatOptions,
} from '../../../main/daemon/connectors/jmap-chat/connector.js';
import type { ConnectorContext } from '../../../main/daemon/connectors/connector.js';
import { connectorContext } from '../../../main/daemon/connectors/context.js';
import type { BatchResult } from '../../../main/daemon/store/batchWriter.js';
import type { SyncObserver, SyncPhase } from '../../../main/daemon/sync/observer.js';
import type { Account, ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import type { DaemonEvent } from '../../../main/daemon/api/contract.js';
import { memorySecrets, tempDir } from '../../helpers/fixtures.js';
import type { JmapChatServer } from './server.js';

export interface ChatUser {
  daemon: Daemon;
  connector: JmapChatConnector;
  account: Account;
  /** For direct connector calls (act, list) a test makes as this user. */
  ctx: ConnectorContext;
  /** Every daemon event, as the UI would receive them. */
  events: DaemonEvent[];
  /** Every applied batch with its phase (initial, live, backfill). */
  batches: { phase: SyncPhase; result: BatchResult }[];
  chats(): ChatSummary[];
  chat(remoteId: string): ChatSummary | undefined;
  messages(remoteChatId: string): MessageView[];
  call<T>(name: string, input: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function signInChatUser(
  server: JmapChatServer,
  login: string,
  password: string,
  options: JmapChatOptions = {},
  /** Where the profile lives (a test's own folder, e.g. on a small tmpfs); a temp folder by default. */
  profileDir?: string,
): Promise<ChatUser> {
  const { dir, cleanup } = profileDir
    ? { dir: profileDir, cleanup: () => undefined }
    : tempDir('parley-jmapchat-');
  const connector = new JmapChatConnector({ pollIntervalMs: 3_600_000, ...options });
  const daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    connectors: new ConnectorRegistry().register('jmap-chat', () => connector),
    engine: {
      loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 3_600_000 },
      outbox: { backoff: { baseMs: 20, maxMs: 200 } },
    },
  });
  const events: DaemonEvent[] = [];
  daemon.subscribe((e) => events.push(e));
  // Phases are not in the API's events; the backfill test needs them.
  const batches: ChatUser['batches'] = [];
  const observer = (daemon.engine as unknown as { observer: SyncObserver }).observer;
  const applied = observer.batchApplied.bind(observer);
  observer.batchApplied = (id, result, phase) => {
    batches.push({ phase, result });
    applied(id, result, phase);
  };
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const account = await call<Account>('accounts.add', {
    protocol: 'jmap-chat',
    server: server.url,
    username: login,
    password,
  });
  const user: ChatUser = {
    daemon,
    connector,
    account,
    ctx: connectorContext({
      account,
      secret: password,
      signal: new AbortController().signal,
      cursor: () => null,
      openBlob: (sha256) => daemon.store.blobs.open(sha256),
      log: () => undefined,
    }),
    events,
    batches,
    chats: () => daemon.store.read.chats({ accountId: account.id }),
    chat: (remoteId) => user.chats().find((c) => c.remoteId === remoteId),
    messages: (remoteChatId) => {
      const c = user.chat(remoteChatId);
      return c ? daemon.store.read.messages(c.id, { limit: 500 }) : [];
    },
    call,
    close: async () => {
      await daemon.close().catch(() => undefined);
      cleanup();
    },
  };
  return user;
}
