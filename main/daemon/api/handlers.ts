// What each procedure does, over the store and the sync engine. Inputs arrive
// already validated by the contract's schemas (see apiServer.ts).
import type {
  InviteView,
  OutboxItem,
  ProcedureInput,
  ProcedureName,
  ProcedureOutput,
  ReceiptView,
  SpaceView,
} from './contract.js';
import { ApiError, DEFAULT_SETTINGS, type AppSettings, type MailHeaders } from './contract.js';
import type { Store } from '../store/store.js';
import type { SyncEngine } from '../sync/engine.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { OutboxEntry, OutboxOp } from '../store/outbox.js';
import { secretKey } from '../store/accounts.js';
import { searchChats, searchMessages } from '../store/search/messageSearch.js';
import type { SecretBroker } from '../secrets/secretBroker.js';
import type { Connector, ConnectorContext } from '../connectors/connector.js';
import type { Account } from '../model/types.js';
import { AuthError, PermanentError } from '../connectors/errors.js';
import { stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

export type Handlers = {
  [P in ProcedureName]: (
    input: ProcedureInput<P>,
  ) => Promise<ProcedureOutput<P>> | ProcedureOutput<P>;
};

/** A connector that can join a space (JMAP Chat); optional, so not in the Connector interface yet. */
interface SpaceJoiner {
  joinSpace(
    ctx: ConnectorContext,
    target: { inviteCode?: string; spaceRemoteId?: string },
  ): Promise<{ spaceRemoteId: string }>;
}

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
    remoteId: e.remoteId,
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
  const accountOrThrow = (accountId: number) => {
    const account = store.accounts.get(accountId);
    if (!account) throw new ApiError('not_found', `no account ${accountId}`);
    return account;
  };
  /** The account's connector, if it can do `what` (else not_implemented). */
  const connectorFor = (account: Account, can: (c: Connector) => boolean, what: string) => {
    const connector = connectors.create(account.protocol);
    if (!can(connector))
      throw new ApiError('not_implemented', `${account.protocol} accounts cannot ${what}`);
    return connector;
  };
  /** A context for a one-off call outside the sync loop (typing, presence, downloads). */
  const contextFor = async (account: Account, timeoutMs = 30_000): Promise<ConnectorContext> => {
    const secret = await secrets.get(secretKey(account));
    if (secret === null)
      throw new ApiError('auth_failed', 'no credentials in the keychain for this account');
    return {
      account,
      secret,
      signal: AbortSignal.timeout(timeoutMs),
      cursor: (stream) => store.writer.cursor(account.id, stream),
      log: () => undefined,
    };
  };
  const membershipOp = (chatId: number, op: (chatRemoteId: string) => OutboxOp) => {
    const chat = chatOrThrow(chatId);
    const account = accountOrThrow(chat.accountId);
    connectorFor(account, (c) => c.capabilities.membership === true, 'manage chat membership');
    return { outboxId: enqueue(chat.accountId, chatId, op(chat.remoteId)).id };
  };
  const memberAction =
    (action: 'invite' | 'kick' | 'ban' | 'unban') =>
    ({
      chatId,
      personRemoteId,
      reason,
    }: {
      chatId: number;
      personRemoteId: string;
      reason?: string;
    }) =>
      membershipOp(chatId, (chatRemoteId) => ({
        op: 'chatMember',
        chatRemoteId,
        action,
        personRemoteId,
        reason: reason ?? null,
      }));
  const enqueue = (accountId: number, chatId: number | null, op: OutboxOp) => {
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
      const key = secretKey(input);
      // Reach the keychain before signing in: a session the server opened for
      // us must not be left behind because its token had nowhere to go.
      await secrets.get(key);
      const connector = connectors.create(input.protocol);
      const login = await connector
        .login(
          { server: input.server, username: input.username, password: input.password },
          AbortSignal.timeout(60_000),
        )
        .catch((err: unknown) => {
          throw new ApiError('auth_failed', `sign-in failed: ${(err as Error).message}`);
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
    'accounts.self': () => {
      const rows = store.db
        .prepare(`SELECT account_id, remote_id FROM people WHERE is_self = 1 ORDER BY account_id`)
        .all() as { account_id: number; remote_id: string }[];
      const byAccount = new Map<number, string[]>();
      for (const r of rows)
        byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r.remote_id]);
      return [...byAccount].map(([accountId, remoteIds]) => ({ accountId, remoteIds }));
    },
    'accounts.remove': async ({ accountId }) => {
      const account = store.accounts.get(accountId);
      if (!account) return { removed: false };
      await engine.stop(accountId);
      const key = secretKey(account);
      const secret = await secrets.get(key);
      // Best effort: end the server session too, so the token dies with the
      // account. An unreachable server must not keep the account from going.
      if (secret !== null && connectors.has(account.protocol)) {
        const connector = connectors.create(account.protocol);
        await connector
          .logout?.({
            account,
            secret,
            cursor: () => null,
            signal: AbortSignal.timeout(10_000),
            log: () => undefined,
          })
          .catch(() => undefined);
      }
      await secrets.delete(key);
      return { removed: store.accounts.remove(accountId) };
    },
    'chats.list': (input) => store.read.chats(input),
    'chats.setFlags': ({ chatId, ...flags }) => {
      chatOrThrow(chatId);
      store.prefs.setFlags(chatId, flags);
      return chatOrThrow(chatId);
    },
    'chats.prefs': ({ chatId }) => {
      chatOrThrow(chatId);
      return { notifyLevel: store.prefs.notifyLevel(chatId) ?? 'all' };
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
    'messages.byIds': ({ ids }) => store.read.messagesById(ids),
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
    'settings.get': () => readSettings(store),
    'settings.set': ({ dnd, accountNotify }) => {
      const current = readSettings(store);
      const put = store.db.prepare(
        `INSERT INTO settings (key, value_json) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
      );
      if (dnd) put.run('dnd', JSON.stringify(dnd));
      if (accountNotify) {
        const levels = { ...current.accountNotify };
        if (accountNotify.level === null) delete levels[String(accountNotify.accountId)];
        else levels[String(accountNotify.accountId)] = accountNotify.level;
        put.run('accountNotify', JSON.stringify(levels));
      }
      return readSettings(store);
    },
    'media.fetchRemote': ({ urls }) =>
      Promise.all(
        urls.map(async (url) => {
          try {
            return { url, sha256: await fetchRemoteImage(store, url), error: null };
          } catch (err) {
            return { url, sha256: null, error: (err as Error).message };
          }
        }),
      ),
    // ---- Mail ----
    'mail.headers': ({ messageId }) => {
      const raw = store.db
        .prepare(`SELECT raw_json FROM messages WHERE id = ?`)
        .pluck()
        .get(messageId) as string | null | undefined;
      if (raw === undefined) throw new ApiError('not_found', `no message ${messageId}`);
      return mailHeaders(raw);
    },
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
    'mail.compose': ({ accountId, saveDraftOnly, ...mail }) => {
      const account = accountOrThrow(accountId);
      if (account.protocol !== 'jmap-mail')
        throw new ApiError('not_implemented', `${account.protocol} accounts cannot send mail`);
      // A new thread: no chat until the server's copy comes back by sync.
      const draft = { chatRemoteId: null, mode: 'new' as const, ...mail };
      const entry = enqueue(
        accountId,
        null,
        saveDraftOnly ? { op: 'mailSaveDraft', ...draft } : { op: 'mailSend', ...draft },
      );
      return { outboxId: entry.id };
    },
    'chats.create': ({ accountId, name, topic, invite, direct, public: isPublic }) => {
      const account = accountOrThrow(accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'create chats');
      const entry = enqueue(accountId, null, {
        op: 'chatCreate',
        chatRemoteId: null,
        name: name ?? null,
        topic: topic ?? null,
        invite: invite ?? [],
        direct: direct ?? false,
        visibility: isPublic ? 'public' : 'private',
      });
      return { outboxId: entry.id };
    },
    'chats.join': ({ accountId, target }) => {
      const account = accountOrThrow(accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'join chats');
      const known = store.db
        .prepare(`SELECT id FROM chats WHERE account_id = ? AND remote_id = ?`)
        .pluck()
        .get(accountId, target) as number | undefined;
      return {
        outboxId: enqueue(accountId, known ?? null, { op: 'chatJoin', chatRemoteId: target }).id,
      };
    },
    'chats.leave': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatLeave', chatRemoteId })),
    'chats.forget': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'forget chats');
      // Gone from this device at once; the entry has no chat (it would go with the chat's rows).
      store.writer.apply(chat.accountId, { removedChats: [chat.remoteId] });
      const entry = enqueue(chat.accountId, null, {
        op: 'chatLeave',
        chatRemoteId: chat.remoteId,
        forget: true,
      });
      return { outboxId: entry.id };
    },
    'chats.invite': memberAction('invite'),
    'chats.kick': memberAction('kick'),
    'chats.ban': memberAction('ban'),
    'chats.unban': memberAction('unban'),
    'invites.list': ({ accountId }) => {
      const rows = store.db
        .prepare(
          `SELECT c.id, c.raw_json FROM chat_members cm
           JOIN chats c ON c.id = cm.chat_id
           JOIN people p ON p.id = cm.person_id AND p.is_self = 1
           WHERE cm.membership = 'invite' AND (@accountId IS NULL OR c.account_id = @accountId)
           ORDER BY c.id`,
        )
        .all({ accountId: accountId ?? null }) as { id: number; raw_json: string | null }[];
      const chats = new Map(store.read.chatsById(rows.map((r) => r.id)).map((c) => [c.id, c]));
      const out: InviteView[] = [];
      for (const r of rows) {
        const chat = chats.get(r.id);
        if (!chat) continue;
        let inviter: string | null = null;
        try {
          const raw = r.raw_json ? (JSON.parse(r.raw_json) as { inviter?: unknown }) : null;
          inviter = typeof raw?.inviter === 'string' ? raw.inviter : null;
        } catch {
          // raw is the connector's; an unreadable one only loses the inviter
        }
        const inviterName = inviter
          ? ((store.db
              .prepare(`SELECT display_name FROM people WHERE account_id = ? AND remote_id = ?`)
              .pluck()
              .get(chat.accountId, inviter) as string | undefined) ?? inviter)
          : null;
        out.push({ chat, inviterRemoteId: inviter, inviterName });
      }
      return out;
    },
    'invites.accept': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatJoin', chatRemoteId })),
    'invites.decline': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'decline invitations');
      // No chat on the entry: a declined invitation's chat goes (with its rows) once synced.
      const entry = enqueue(chat.accountId, null, { op: 'chatLeave', chatRemoteId: chat.remoteId });
      return { outboxId: entry.id };
    },
    'chats.typing': async ({ chatId, typing }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      const connector = connectorFor(
        account,
        (c) => c.capabilities.typing && typeof c.setTyping === 'function',
        'send typing notifications',
      );
      await connector.setTyping!(await contextFor(account), chat.remoteId, typing);
      return { sent: true as const };
    },
    'chats.receipts': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      return (
        store.db
          .prepare(
            `SELECT r.person_remote_id, coalesce(p.display_name, r.person_remote_id) AS name,
                    m.id AS message_id, r.message_remote_id, r.ts
             FROM receipts r
             LEFT JOIN people p ON p.account_id = @accountId AND p.remote_id = r.person_remote_id
             LEFT JOIN messages m ON m.account_id = @accountId AND m.remote_id = r.message_remote_id
             WHERE r.chat_id = @chatId AND coalesce(p.is_self, 0) = 0
             ORDER BY r.ts DESC`,
          )
          .all({ chatId, accountId: chat.accountId }) as {
          person_remote_id: string;
          name: string;
          message_id: number | null;
          message_remote_id: string;
          ts: number;
        }[]
      ).map((r): ReceiptView => ({
        personRemoteId: r.person_remote_id,
        name: r.name,
        messageId: r.message_id,
        messageRemoteId: r.message_remote_id,
        ts: r.ts,
      }));
    },
    'presence.set': async ({ accountId, presence, statusMsg }) => {
      const account = accountOrThrow(accountId);
      const connector = connectorFor(
        account,
        (c) => c.capabilities.presence === true && typeof c.setPresence === 'function',
        'set presence',
      );
      await connector.setPresence!(await contextFor(account), presence, statusMsg ?? null);
      return { set: true as const };
    },
    'spaces.list': ({ accountId }) => {
      const spaces = store.db
        .prepare(
          `SELECT s.id, s.account_id, s.remote_id, s.name, s.kind, ps.id AS parent_id
           FROM spaces s
           LEFT JOIN spaces ps ON ps.account_id = s.account_id AND ps.remote_id = s.parent_remote_id
           WHERE @accountId IS NULL OR s.account_id = @accountId ORDER BY s.id`,
        )
        .all({ accountId: accountId ?? null }) as {
        id: number;
        account_id: number;
        remote_id: string;
        name: string;
        kind: string;
        parent_id: number | null;
      }[];
      const children = store.db
        .prepare(
          `SELECT s.id AS space_id, c.id AS chat_id FROM chats c
           JOIN spaces s ON s.account_id = c.account_id AND s.remote_id = c.space_remote_id
           WHERE @accountId IS NULL OR c.account_id = @accountId ORDER BY c.id`,
        )
        .all({ accountId: accountId ?? null }) as { space_id: number; chat_id: number }[];
      return spaces.map((r): SpaceView => ({
        id: r.id,
        accountId: r.account_id,
        remoteId: r.remote_id,
        name: r.name,
        kind: r.kind,
        parentId: r.parent_id,
        chatIds: children.filter((c) => c.space_id === r.id).map((c) => c.chat_id),
      }));
    },
    'spaces.join': async ({ accountId, inviteCode, spaceRemoteId }) => {
      const account = accountOrThrow(accountId);
      const connector = connectorFor(
        account,
        (c) => typeof (c as Partial<SpaceJoiner>).joinSpace === 'function',
        'join spaces',
      ) as Connector & SpaceJoiner;
      try {
        return await connector.joinSpace(await contextFor(account), { inviteCode, spaceRemoteId });
      } catch (err) {
        // The server said no (unknown or used-up code, banned, not public): the user's to see.
        if (err instanceof PermanentError) throw new ApiError('conflict', err.message);
        if (err instanceof AuthError) throw new ApiError('auth_failed', err.message);
        throw err;
      }
    },
    'messages.sendAttachment': async (input) => {
      const chat = chatOrThrow(input.chatId);
      const account = accountOrThrow(chat.accountId);
      connectorFor(account, (c) => c.capabilities.attachments, 'send attachments');
      const mime = input.mime ?? 'application/octet-stream';
      let sha256: string;
      if (input.path !== undefined) {
        const info = await stat(input.path).catch(() => null);
        if (!info?.isFile()) throw new ApiError('not_found', `no file ${basename(input.path)}`);
        sha256 = await store.blobs.put(createReadStream(input.path), mime);
      } else {
        sha256 = await store.blobs.put(Buffer.from(input.dataBase64!, 'base64'), mime);
      }
      const size = store.blobs.info(sha256)!.size;
      const replyTo =
        input.replyToMessageId !== undefined
          ? store.read.messagesById([input.replyToMessageId])[0]
          : undefined;
      const entry = enqueue(chat.accountId, chat.id, {
        op: 'sendAttachment',
        chatRemoteId: chat.remoteId,
        body: input.body ?? input.name,
        replyToRemoteId: replyTo?.remoteId ?? null,
        attachment: {
          sha256,
          path: store.blobs.pathOf(sha256),
          name: input.name,
          mime,
          size,
          width: input.width ?? null,
          height: input.height ?? null,
        },
      });
      return { outboxId: entry.id, messageId: entry.localMessageId! };
    },
    'attachments.fetch': (input) => fetchAttachment(input),
    'attachments.thumbnail': async ({ attachmentId, width, height, method }) => {
      const row = store.db
        .prepare(
          `SELECT a.remote_id, a.name, a.mime, m.account_id FROM attachments a
           JOIN messages m ON m.id = a.message_id WHERE a.id = ?`,
        )
        .get(attachmentId) as
        { remote_id: string; name: string; mime: string; account_id: number } | undefined;
      if (!row) throw new ApiError('not_found', `no attachment ${attachmentId}`);
      const account = accountOrThrow(row.account_id);
      const cacheKey = `${row.account_id}\n${row.remote_id}\n${width}x${height}\n${method ?? 'scale'}`;
      const cached = thumbnails.get(cacheKey);
      if (cached && store.blobs.has(cached))
        return { sha256: cached, ...store.blobs.info(cached)! };
      const connector = connectorFor(
        account,
        (c) => typeof c.fetchThumbnail === 'function',
        'make thumbnails',
      );
      const got = await connector.fetchThumbnail!(
        await contextFor(account, 5 * 60_000),
        { remoteId: row.remote_id, name: row.name, mime: row.mime },
        { width, height, method },
      );
      const sha = await store.blobs.put(got.stream, got.mime);
      thumbnails.set(cacheKey, sha);
      return { sha256: sha, ...store.blobs.info(sha)! };
    },
    'mail.fetchAttachment': (input) => fetchAttachment(input),
  };

  /** Attachment bytes into the blob store, once (any connector with fetchAttachment). */
  async function fetchAttachment({ attachmentId }: { attachmentId: number }) {
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
  }
}

/** Thumbnails fetched in this process: (account, attachment, size) → blob. */
const thumbnails = new Map<string, string>();

const REMOTE_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/** One remote image into the blob store: http(s) only, an image type, at most 10 MB. */
async function fetchRemoteImage(store: Store, url: string): Promise<string> {
  if (!/^https?:\/\//i.test(url)) throw new Error('only http and https images');
  const res = await fetch(url, {
    redirect: 'follow',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
    signal: AbortSignal.timeout(20_000),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const mime = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(mime))
    throw new Error(`not an image (${mime})`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > REMOTE_IMAGE_MAX_BYTES) throw new Error('image too large');
  const reader = res.body.getReader();
  async function* limited(): AsyncIterable<Uint8Array> {
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > REMOTE_IMAGE_MAX_BYTES) throw new Error('image too large');
      yield value;
    }
  }
  return store.blobs.put(limited(), mime);
}

/** Stored settings over the defaults; a malformed stored value falls back to its default. */
function readSettings(store: Store): AppSettings {
  const rows = store.db
    .prepare(`SELECT key, value_json FROM settings WHERE key IN ('dnd', 'accountNotify')`)
    .all() as { key: string; value_json: string }[];
  const settings: AppSettings = structuredClone(DEFAULT_SETTINGS);
  for (const r of rows) {
    try {
      const value = JSON.parse(r.value_json) as unknown;
      if (r.key === 'dnd' && value && typeof value === 'object')
        settings.dnd = { ...settings.dnd, ...(value as AppSettings['dnd']) };
      if (r.key === 'accountNotify' && value && typeof value === 'object')
        settings.accountNotify = value as AppSettings['accountNotify'];
    } catch {
      // keep the default
    }
  }
  return settings;
}

function mailHeaders(rawJson: string | null): MailHeaders {
  let raw: Record<string, unknown> = {};
  try {
    raw = (rawJson ? JSON.parse(rawJson) : {}) as Record<string, unknown>;
  } catch {
    // no headers to show
  }
  const list = (v: unknown) =>
    Array.isArray(v)
      ? v
          .filter((a): a is { name?: unknown; email: string } => typeof a?.email === 'string')
          .map((a) => ({
            name: typeof a.name === 'string' && a.name ? a.name : null,
            email: a.email,
          }))
      : [];
  return { from: list(raw.from), to: list(raw.to), cc: list(raw.cc) };
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
