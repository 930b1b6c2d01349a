// What each procedure does, over the store and the sync engine. Inputs arrive
// already validated by the contract's schemas (see apiServer.ts).
import type { ProcedureInput, ProcedureName, ProcedureOutput, OutboxItem } from './contract.js';
import { ApiError } from './contract.js';
import type { Store } from '../store/store.js';
import type { SyncEngine } from '../sync/engine.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { OutboxEntry, OutboxOp } from '../store/outbox.js';
import { secretKey } from '../store/accounts.js';
import { searchChats, searchMessages } from '../store/search/messageSearch.js';
import type { SecretBroker } from '../secrets/secretBroker.js';
import type { ConnectorContext } from '../connectors/connector.js';

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
}

export function toOutboxItem(e: OutboxEntry): OutboxItem {
  return {
    id: e.id,
    accountId: e.accountId,
    chatId: e.chatId,
    op: e.operation.op,
    state: e.state,
    attempts: e.attempts,
    lastError: e.lastError,
    localMessageId: e.localMessageId,
  };
}

export function createHandlers({
  store,
  engine,
  connectors,
  secrets,
  outboxChanged,
}: HandlerDeps): Handlers {
  const chatOrThrow = (chatId: number) => {
    const chat = store.read.chat(chatId);
    if (!chat) throw new ApiError('not_found', `no chat ${chatId}`);
    return chat;
  };
  const messageOrThrow = (messageId: number) => {
    const [message] = store.read.messagesById([messageId]);
    if (!message) throw new ApiError('not_found', `no message ${messageId}`);
    if (message.remoteId === null)
      throw new ApiError('conflict', 'that message has not reached the server yet');
    return message;
  };
  const enqueue = (accountId: number, chatId: number, op: OutboxOp) => {
    const entry = store.outbox.enqueue(accountId, chatId, op);
    outboxChanged(entry);
    engine.poke(accountId);
    return entry;
  };

  return {
    'workspaces.list': () => store.accounts.workspaces(),
    'accounts.list': () => store.accounts.list(),
    'accounts.add': async (input) => {
      if (!connectors.has(input.protocol))
        throw new ApiError(
          'not_implemented',
          `the ${input.protocol} connector is not implemented yet`,
        );
      // Checked before signing in: a second login would replace the keychain
      // entry of the account that already exists.
      if (store.accounts.find(input.protocol, input.server, input.username))
        throw new ApiError(
          'conflict',
          `an account for ${input.username} on ${input.server} already exists`,
        );
      const connector = connectors.create(input.protocol);
      const login = await connector
        .login(
          { server: input.server, username: input.username, password: input.password },
          AbortSignal.timeout(60_000),
        )
        .catch((err: unknown) => {
          throw new ApiError('auth_failed', `sign-in failed: ${(err as Error).message}`);
        });
      const key = secretKey({
        protocol: input.protocol,
        server: input.server,
        username: input.username,
      });
      await secrets.set(key, login.secret);
      try {
        const account = store.accounts.add(input);
        store.writer.apply(account.id, {
          people: [
            {
              remoteId: login.selfRemoteId,
              displayName: login.selfDisplayName ?? input.username,
              isSelf: true,
            },
          ],
        });
        // Awaited (it only reads the secret, then syncs in the background) so a
        // caller that closes the daemon right away, like the CLI, stops it cleanly.
        await engine.start(account.id).catch(() => undefined);
        return account;
      } catch (err) {
        await secrets.delete(key);
        throw new ApiError('conflict', (err as Error).message);
      }
    },
    'accounts.remove': async ({ accountId }) => {
      const account = store.accounts.get(accountId);
      if (!account) return { removed: false };
      await engine.stop(accountId);
      await secrets.delete(secretKey(account));
      return { removed: store.accounts.remove(accountId) };
    },
    'chats.list': (input) => store.read.chats(input),
    'chats.setFlags': ({ chatId, ...flags }) => {
      chatOrThrow(chatId);
      store.prefs.setFlags(chatId, flags);
      return chatOrThrow(chatId);
    },
    'chats.markRead': ({ chatId, messageId }) => {
      const chat = chatOrThrow(chatId);
      if (!store.prefs.markRead(chatId, messageId))
        throw new ApiError('not_found', `no message ${messageId} in chat ${chatId}`);
      const [message] = store.read.messagesById([messageId]);
      if (message?.remoteId)
        enqueue(chat.accountId, chatId, {
          op: 'read',
          chatRemoteId: chat.remoteId,
          messageRemoteId: message.remoteId,
        });
      return chatOrThrow(chatId);
    },
    'messages.page': ({ chatId, beforeId, limit }) => {
      chatOrThrow(chatId);
      return store.read.messages(chatId, { beforeId, limit });
    },
    'messages.send': ({ chatId, body, replyToMessageId }) => {
      const chat = chatOrThrow(chatId);
      const replyTo =
        replyToMessageId !== undefined ? store.read.messagesById([replyToMessageId])[0] : undefined;
      const entry = enqueue(chat.accountId, chatId, {
        op: 'send',
        chatRemoteId: chat.remoteId,
        body,
        replyToRemoteId: replyTo?.remoteId ?? null,
      });
      store.prefs.saveDraft(chatId, '', null);
      return { outboxId: entry.id, messageId: entry.localMessageId! };
    },
    'messages.edit': ({ messageId, body }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const entry = enqueue(m.accountId, m.chatId, {
        op: 'edit',
        chatRemoteId: chat.remoteId,
        messageRemoteId: m.remoteId!,
        body,
      });
      return { outboxId: entry.id };
    },
    'messages.react': ({ messageId, key, remove }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const entry = enqueue(m.accountId, m.chatId, {
        op: 'react',
        chatRemoteId: chat.remoteId,
        messageRemoteId: m.remoteId!,
        key,
        remove: remove ?? false,
      });
      return { outboxId: entry.id };
    },
    'messages.delete': ({ messageId }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const entry = enqueue(m.accountId, m.chatId, {
        op: 'delete',
        chatRemoteId: chat.remoteId,
        messageRemoteId: m.remoteId!,
      });
      return { outboxId: entry.id };
    },
    'outbox.list': ({ accountId }) => store.outbox.list(accountId).map(toOutboxItem),
    'outbox.retry': ({ outboxId }) => {
      const retried = store.outbox.retryNow(outboxId);
      const entry = store.outbox.get(outboxId);
      if (retried && entry) engine.poke(entry.accountId);
      return { retried };
    },
    'drafts.get': ({ chatId }) => {
      chatOrThrow(chatId);
      return store.prefs.draft(chatId);
    },
    'drafts.save': ({ chatId, body, replyToMessageId }) => {
      chatOrThrow(chatId);
      store.prefs.saveDraft(chatId, body, replyToMessageId ?? null);
      return { saved: true as const };
    },
    'search.query': ({ query, limit, order, beforeId, markers }) =>
      searchMessages(store.db, query, { limit, order, beforeId, markers }),
    'search.chats': ({ query, limit }) =>
      searchChats(store.db, query, limit ?? 20).map((c) => ({
        chatId: c.chatId,
        accountId: c.accountId,
        name: c.name,
      })),
    // ---- Mail ----
    'mail.setKeyword': ({ messageId, keyword, value }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const entry = enqueue(m.accountId, m.chatId, {
        op: 'mailKeyword',
        chatRemoteId: chat.remoteId,
        messageRemoteIds: [m.remoteId!],
        keyword: keyword === 'seen' ? '$seen' : '$flagged',
        value,
      });
      return { outboxId: entry.id };
    },
    'mail.move': ({ messageId, to, spaceId }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const space =
        spaceId === undefined
          ? null
          : (store.db
              .prepare(`SELECT remote_id FROM spaces WHERE id = ? AND account_id = ?`)
              .pluck()
              .get(spaceId, m.accountId) as string | undefined);
      if (spaceId !== undefined && !space) throw new ApiError('not_found', `no mailbox ${spaceId}`);
      const entry = enqueue(m.accountId, m.chatId, {
        op: to === 'trash' ? 'mailDelete' : 'mailMove',
        chatRemoteId: chat.remoteId,
        messageRemoteIds: [m.remoteId!],
        ...(to === 'trash' ? {} : { toRole: to ?? null, toSpaceRemoteId: space ?? null }),
      } as OutboxOp);
      return { outboxId: entry.id };
    },
    'mail.send': ({ chatId, mode, replyToMessageId, saveDraftOnly, ...mail }) => {
      const chat = chatOrThrow(chatId);
      const replyTo = replyToMessageId !== undefined ? messageOrThrow(replyToMessageId) : undefined;
      const draft = {
        chatRemoteId: chat.remoteId,
        mode,
        replyToRemoteId: replyTo?.remoteId ?? null,
        ...mail,
      };
      const entry = enqueue(
        chat.accountId,
        chatId,
        saveDraftOnly ? { op: 'mailSaveDraft', ...draft } : { op: 'mailSend', ...draft },
      );
      return { outboxId: entry.id };
    },
    'mail.fetchAttachment': async ({ attachmentId }) => {
      const row = store.db
        .prepare(
          `SELECT a.remote_id, a.name, a.mime, a.blob_sha256, m.account_id FROM attachments a
           JOIN messages m ON m.id = a.message_id WHERE a.id = ?`,
        )
        .get(attachmentId) as
        | {
            remote_id: string;
            name: string;
            mime: string;
            blob_sha256: string | null;
            account_id: number;
          }
        | undefined;
      if (!row) throw new ApiError('not_found', `no attachment ${attachmentId}`);
      const describe = (sha256: string) => ({ sha256, ...store.blobs.info(sha256)! });
      // Fetched before, for this message or another one holding the same server blob.
      const known = (row.blob_sha256 ??
        store.db
          .prepare(
            `SELECT a.blob_sha256 FROM attachments a JOIN messages m ON m.id = a.message_id
             WHERE m.account_id = ? AND a.remote_id = ? AND a.blob_sha256 IS NOT NULL LIMIT 1`,
          )
          .pluck()
          .get(row.account_id, row.remote_id)) as string | null | undefined;
      const link = (sha: string) =>
        store.db
          .prepare(
            `UPDATE attachments SET blob_sha256 = ? WHERE remote_id = ?
             AND message_id IN (SELECT id FROM messages WHERE account_id = ?)`,
          )
          .run(sha, row.remote_id, row.account_id);
      if (known && store.blobs.has(known) && store.blobs.info(known)) {
        link(known);
        return describe(known);
      }
      const flightKey = `${row.account_id}\n${row.remote_id}`;
      let flight = attachmentFlights.get(flightKey);
      if (!flight) {
        flight = (async () => {
          const account = store.accounts.get(row.account_id)!;
          const connector = connectors.create(
            account.protocol,
          ) as unknown as Partial<AttachmentFetcher>;
          if (typeof connector.fetchAttachment !== 'function')
            throw new ApiError('not_implemented', `${account.protocol} cannot fetch attachments`);
          const secret = await secrets.get(secretKey(account));
          if (secret === null)
            throw new ApiError('auth_failed', 'no credentials in the keychain for this account');
          const got = await connector.fetchAttachment(
            {
              account,
              secret,
              signal: AbortSignal.timeout(30 * 60_000),
              cursor: () => null,
              log: () => undefined,
            },
            { remoteId: row.remote_id, name: row.name, mime: row.mime },
          );
          const sha = await store.blobs.put(got.stream, row.mime || got.mime);
          link(sha);
          return sha;
        })().finally(() => attachmentFlights.delete(flightKey));
        attachmentFlights.set(flightKey, flight);
      }
      return describe(await flight);
    },
  };
}

/** What a connector offers when it can fetch attachment bytes on demand (jmap-mail does). */
interface AttachmentFetcher {
  fetchAttachment(
    ctx: ConnectorContext,
    attachment: { remoteId: string; name: string; mime: string },
  ): Promise<{ mime: string; size: number | null; stream: AsyncIterable<Uint8Array> }>;
}
/** Downloads in progress, so two requests for the same blob download it once. */
const attachmentFlights = new Map<string, Promise<string>>();
