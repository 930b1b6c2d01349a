// What every group of handlers shares: the daemon's parts and the lookups
// that turn ids into rows or typed not_found errors.
import type { OutboxItem, ProcedureInput, ProcedureName, ProcedureOutput } from '../contract.js';
import { ApiError } from '../contract.js';
import type { Store } from '../../store/store.js';
import type { SyncEngine } from '../../sync/engine.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { OutboxEntry } from '../../store/outbox.js';
import type { OutboxOp } from '../../model/ops.js';
import { secretKey } from '../../store/accounts.js';
import type { SecretBroker } from '../../secrets/secretBroker.js';
import type {
  Connector,
  ConnectorCapabilities,
  ConnectorContext,
} from '../../connectors/connector.js';
import type { Account } from '../../model/types.js';
import { ENCRYPTION_UNAVAILABLE_MESSAGE } from '../../connectors/errors.js';
import { connectorContext } from '../../connectors/context.js';
import { describeOperation } from '../../connectors/operations.js';
import type { TimelineWatches } from '../timelineWatch.js';

export type Handlers = {
  [P in ProcedureName]: (
    input: ProcedureInput<P>,
  ) => Promise<ProcedureOutput<P>> | ProcedureOutput<P>;
};

export interface HandlerDeps {
  store: Store;
  engine: SyncEngine;
  connectors: ConnectorRegistry;
  secrets: SecretBroker;
  /** Tells subscribers about a queued write at once (the local echo, the pending state). */
  outboxChanged: (entry: OutboxEntry) => void;
  /** A search found messages not indexed yet: make sure the background indexer runs. */
  indexBacklogFound?: () => void;
  /** Which chats' timelines are shown: message deltas go only to those (timeline.watch). */
  watches: TimelineWatches;
  /** media.fetchRemote's reach; only the test harness loosens it (DaemonOptions). */
  remoteFetch?: { testOnlyLoopbackPorts?: readonly number[] };
}

export type HandlerContext = ReturnType<typeof createContext>;

export function toOutboxItem(e: OutboxEntry): OutboxItem {
  return {
    id: e.id,
    accountId: e.accountId,
    chatId: e.chatId,
    op: e.op,
    state: e.state,
    attempts: e.attempts,
    lastError: e.lastError,
    localMessageId: e.localMessageId,
    remoteId: e.remoteId,
  };
}

export function createContext({
  store,
  engine,
  connectors,
  secrets,
  outboxChanged,
  indexBacklogFound,
}: HandlerDeps) {
  const chatOrThrow = (chatId: number) => {
    const chat = store.read.chat(chatId);
    if (!chat) throw new ApiError('not_found', `no chat ${chatId}`);
    return chat;
  };
  /**
   * A chat we may write message content into. An end-to-end encrypted chat
   * takes text and files (send, edit, react, attachments) when the account's
   * connector encrypts; otherwise they are refused at once, before queueing.
   */
  const writableChatOrThrow = (chatId: number) => {
    const chat = chatOrThrow(chatId);
    if (!chat.encrypted) return chat;
    const account = store.accounts.get(chat.accountId);
    const encrypts =
      !!account && connectors.kind(account.protocol)?.capabilities.encryption === true;
    if (!encrypts) throw new ApiError('encryption_unavailable', ENCRYPTION_UNAVAILABLE_MESSAGE);
    return chat;
  };
  const messageOrThrow = (messageId: number) => {
    const [message] = store.read.messagesById([messageId]);
    if (!message) throw new ApiError('not_found', `no message ${messageId}`);
    if (message.remoteId === null)
      throw new ApiError('conflict', 'that message has not reached the server yet');
    return message;
  };
  const accountOrThrow = (accountId: number) => {
    const account = store.accounts.get(accountId);
    if (!account) throw new ApiError('not_found', `no account ${accountId}`);
    return account;
  };
  /** The account's connector, if it can do `what` (else not_implemented). */
  const connectorFor = async (
    account: Account,
    can: (c: Connector) => boolean,
    what: string,
  ): Promise<Connector> => {
    const connector = await engine.connector(account);
    if (!can(connector))
      throw new ApiError('not_implemented', `${account.protocol} accounts cannot ${what}`);
    return connector;
  };
  /**
   * Refuses at once (not_implemented) what the account's kind of connector
   * cannot do; its kind is known without loading the connector.
   */
  const capableOrThrow = (
    account: Account,
    can: (c: ConnectorCapabilities) => boolean,
    what: string,
  ) => {
    const kind = connectors.kind(account.protocol);
    if (!kind || !can(kind.capabilities))
      throw new ApiError('not_implemented', `${account.protocol} accounts cannot ${what}`);
  };
  /** Whether the account's kind of connector handles this outbox operation. */
  const handles = (account: Account, op: OutboxOp['op']) =>
    connectors.kind(account.protocol)?.operations.has(op) === true;
  /** A context for a one-off call outside the sync loop (typing, presence, downloads). */
  const contextFor = async (account: Account, timeoutMs = 30_000): Promise<ConnectorContext> => {
    const secret = await secrets.get(secretKey(account));
    if (secret === null)
      throw new ApiError('auth_failed', 'no credentials in the keychain for this account');
    return connectorContext({
      account,
      secret,
      signal: AbortSignal.timeout(timeoutMs),
      cursor: (stream) => store.writer.cursor(account.id, stream),
      openBlob: (sha256) => store.blobs.open(sha256),
      log: () => undefined,
    });
  };
  /**
   * Queues a write. An operation the account's connector does not handle is
   * refused here, before anything is stored (no local echo, no outbox row).
   */
  const enqueue = (accountId: number, chatId: number | null, op: OutboxOp) => {
    const account = accountOrThrow(accountId);
    if (!handles(account, op.op))
      throw new ApiError(
        'unsupported',
        `${account.protocol} accounts cannot ${describeOperation(op.op)}`,
      );
    const entry = store.outbox.enqueue(accountId, chatId, op);
    outboxChanged(entry);
    engine.poke(accountId);
    return entry;
  };

  return {
    store,
    engine,
    connectors,
    secrets,
    chatOrThrow,
    writableChatOrThrow,
    messageOrThrow,
    accountOrThrow,
    connectorFor,
    capableOrThrow,
    handles,
    contextFor,
    enqueue,
    indexBacklogFound,
  };
}
