// Mail actions (jmap-mail): headers, keywords, moves, replies, new mail.
import { ApiError } from '../contract.js';
import type { OutboxOp } from '../../store/outbox.js';
import { mailHeaders } from '../../store/mailHeaders.js';
import { spaceRemoteId } from '../../store/spaces.js';
import type { HandlerContext, Handlers } from './context.js';

export function mailHandlers(ctx: HandlerContext) {
  const { store, chatOrThrow, messageOrThrow, accountOrThrow, enqueue } = ctx;
  return {
    // ---- Mail ----
    'mail.headers': ({ messageId }) => {
      const headers = mailHeaders(store.readDb, messageId);
      if (!headers) throw new ApiError('not_found', `no message ${messageId}`);
      return headers;
    },
    'mail.setKeyword': ({ messageId, keyword, value }) => {
      const m = messageOrThrow(messageId);
      const chat = chatOrThrow(m.chatId);
      // Unread shows at once, as the server will have it (its read state moves back by sync).
      if (keyword === 'seen' && !value) store.prefs.markUnread(m.chatId, messageId);
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
        spaceId === undefined ? null : spaceRemoteId(store.readDb, spaceId, m.accountId);
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
  } satisfies Partial<Handlers>;
}
