// Chats, messages, drafts, the outbox and search: what a conversation view needs.
import { ApiError } from '../contract.js';
import { searchChats, searchPage } from '../../store/search/messageSearch.js';
import type { HandlerContext, Handlers } from './context.js';
import { toOutboxItem } from './context.js';
import type { Connector, ConnectorContext } from '../../connectors/connector.js';

/** A connector whose server keeps each chat's draft (unichat); optional, so not in Connector. */
interface DraftSaver {
  saveDraft(ctx: ConnectorContext, chatRemoteId: string, body: string): Promise<void>;
}

export function conversationHandlers(ctx: HandlerContext) {
  const {
    store,
    engine,
    connectors,
    chatOrThrow,
    writableChatOrThrow,
    messageOrThrow,
    enqueue,
    handles,
  } = ctx;
  /**
   * Where the server keeps drafts (unichat), the text goes there too, in the
   * background: the local draft is saved already, and a failure (offline) only
   * means our other devices see it later, with the next save.
   */
  const shareDraft = (accountId: number, chatRemoteId: string, body: string) => {
    const account = store.accounts.get(accountId);
    if (!account) return;
    void (async () => {
      const saver = (await engine.connector(account)) as Connector & Partial<DraftSaver>;
      if (typeof saver.saveDraft !== 'function') return;
      await saver.saveDraft(await ctx.contextFor(account), chatRemoteId, body);
    })().catch(() => undefined);
  };
  /** The remote id of a thread's root: the message itself, or the root of the thread it is in. */
  const threadRootOrThrow = (messageId: number, chatId: number): string => {
    const m = messageOrThrow(messageId);
    if (m.chatId !== chatId)
      throw new ApiError('invalid_input', `message ${messageId} is not in chat ${chatId}`);
    return m.threadRootRemoteId ?? m.remoteId!;
  };
  return {
    'chats.list': ({ cursor, ...filter }) => {
      try {
        return store.read.chatPage(filter, cursor);
      } catch (err) {
        if (err instanceof RangeError)
          throw new ApiError('invalid_input', 'cursor is not a chats.list nextCursor', [
            { path: 'cursor', message: 'pass the nextCursor of a previous page, unchanged' },
          ]);
        throw err;
      }
    },
    'chats.setFlags': ({ chatId, ...flags }) => {
      const chat = chatOrThrow(chatId);
      const { muted, archived, blocked } = flags;
      const account = store.accounts.get(chat.accountId);
      // A server that keeps these settings (REST chat) gets them too, through
      // the outbox; elsewhere mute and archive are this device's own.
      const kept = account ? handles(account, 'chatSettings') : false;
      if (blocked !== undefined && !kept)
        throw new ApiError('unsupported', `${account?.protocol} accounts cannot block chats`);
      store.prefs.setFlags(chatId, flags);
      if (kept && (muted !== undefined || archived !== undefined || blocked !== undefined))
        enqueue(chat.accountId, chatId, {
          op: 'chatSettings',
          chatRemoteId: chat.remoteId,
          ...(muted !== undefined ? { muted } : {}),
          ...(archived !== undefined ? { archived } : {}),
          ...(blocked !== undefined ? { blocked } : {}),
        });
      return chatOrThrow(chatId);
    },
    'chats.prefs': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = store.accounts.get(chat.accountId);
      return {
        notifyLevel: store.prefs.notifyLevel(chatId) ?? 'all',
        canBlock: account ? handles(account, 'chatSettings') : false,
        canClear: account ? handles(account, 'chatClear') : false,
      };
    },
    'chats.clear': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = store.accounts.get(chat.accountId);
      if (!account || !handles(account, 'chatClear'))
        throw new ApiError('unsupported', `${account?.protocol} accounts cannot clear chats`);
      // Not cleared here yet: the server may refuse (not the owner), and its
      // event brings the clear back as it happened.
      const newest = store.read.messages(chatId, { limit: 50 }).find((m) => m.remoteId);
      const entry = enqueue(chat.accountId, chatId, {
        op: 'chatClear',
        chatRemoteId: chat.remoteId,
        throughMessageRemoteId: newest?.remoteId ?? null,
      });
      return { outboxId: entry.id };
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
    'messages.page': ({ chatId, beforeId, afterId, limit }) => {
      chatOrThrow(chatId);
      return store.read.messages(chatId, { beforeId, afterId, limit });
    },
    'messages.around': ({ chatId, messageId, before, after }) => {
      chatOrThrow(chatId);
      const window = store.read.messagesAround(chatId, messageId, before, after);
      if (!window) throw new ApiError('not_found', `no message ${messageId} in chat ${chatId}`);
      return window;
    },
    'messages.byIds': ({ ids }) => store.read.messagesById(ids),
    'messages.send': ({ chatId, body, html, mentions, replyToMessageId, threadRootMessageId }) => {
      const chat = writableChatOrThrow(chatId);
      const replyTo =
        replyToMessageId !== undefined ? store.read.messagesById([replyToMessageId])[0] : undefined;
      const entry = enqueue(chat.accountId, chatId, {
        op: 'send',
        chatRemoteId: chat.remoteId,
        body,
        html: html ?? null,
        ...(mentions?.length ? { mentions } : {}),
        replyToRemoteId: replyTo?.remoteId ?? null,
        threadRootRemoteId:
          threadRootMessageId !== undefined ? threadRootOrThrow(threadRootMessageId, chatId) : null,
      });
      store.prefs.saveDraft(chatId, '', null);
      // Sent: the draft our other devices see is gone too.
      shareDraft(chat.accountId, chat.remoteId, '');
      return { outboxId: entry.id, messageId: entry.localMessageId! };
    },
    'messages.forward': ({ messageId, toChatId }) => {
      const original = messageOrThrow(messageId);
      const target = writableChatOrThrow(toChatId);
      if (target.accountId !== original.accountId)
        throw new ApiError('invalid_input', 'a message is forwarded within its own account', [
          { path: 'toChatId', message: 'pick a chat of the same account' },
        ]);
      const entry = enqueue(target.accountId, toChatId, {
        op: 'send',
        chatRemoteId: target.remoteId,
        body: original.body,
        forwardOfRemoteId: original.remoteId,
      });
      return { outboxId: entry.id, messageId: entry.localMessageId! };
    },
    'messages.edit': ({ messageId, body, html, mentions }) => {
      const m = messageOrThrow(messageId);
      const chat = writableChatOrThrow(m.chatId);
      const entry = enqueue(m.accountId, m.chatId, {
        op: 'edit',
        chatRemoteId: chat.remoteId,
        messageRemoteId: m.remoteId!,
        body,
        html: html ?? null,
        ...(mentions?.length ? { mentions } : {}),
      });
      return { outboxId: entry.id };
    },
    'messages.react': ({ messageId, key, remove }) => {
      const m = messageOrThrow(messageId);
      // Taking a reaction back deletes it (no content goes out), so that stays possible.
      const chat = remove ? chatOrThrow(m.chatId) : writableChatOrThrow(m.chatId);
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
    'messages.permalink': ({ messageId }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      const account = store.accounts.get(m.accountId);
      return {
        url: account ? connectors.permalink(account.protocol, chat.remoteId, m.remoteId!) : null,
      };
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
      const chat = chatOrThrow(chatId);
      store.prefs.saveDraft(chatId, body, replyToMessageId ?? null);
      shareDraft(chat.accountId, chat.remoteId, body);
      return { saved: true as const };
    },
    'search.query': ({ query, limit, order, beforeId, markers }) => {
      const page = searchPage(store.db, query, {
        limit,
        order,
        beforeId,
        markers,
        chatNames: () => store.read.chatsForSearch(),
      });
      if (page.unindexed > 0) ctx.indexBacklogFound?.();
      return page;
    },
    'search.chats': ({ query, limit }) =>
      searchChats(store.readDb, query, limit ?? 20).map((c) => ({
        chatId: c.chatId,
        accountId: c.accountId,
        name: c.name,
      })),
  } satisfies Partial<Handlers>;
}
