// The REST chat operation table. Posts go through postOnce (exactly once by
// localId, see posting.ts); attachments through attachments.ts; chats, members,
// blocks and settings through chats.ts.
import type { OperationTable } from '../operations.js';
import { PermanentError } from '../errors.js';
import { sendAttachment } from './attachments.js';
import { chatSettings, clearChat, createChat, leaveChat, memberAction } from './chats.js';
import { postOnce } from './posting.js';
import type { RestSession } from './session.js';
import { MessageInfoSchema } from './wire.js';

const messagePath = (chatId: string, messageId: string) =>
  `/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}`;

function messageId(remoteId: string): string {
  if (!/^\d+$/.test(remoteId)) throw new PermanentError(`not a REST chat message id: ${remoteId}`);
  return remoteId;
}

export const restChatOperations = {
  send: async (s, op, key, ctx, attempt) => {
    const sent = await postOnce(s, op.chatRemoteId, key, { text: op.body }, attempt, ctx.signal);
    return { remoteId: String(sent.id) };
  },
  sendAttachment: (s, op, key, ctx, attempt) => sendAttachment(s, op, key, ctx, attempt),
  edit: async (s, op, _key, ctx) => {
    // fileExists / previewExists are required keys (Swift's decoder); false leaves them unchanged.
    await s.transport.json(
      'PUT',
      messagePath(op.chatRemoteId, messageId(op.messageRemoteId)),
      MessageInfoSchema,
      { body: { text: op.body, fileExists: false, previewExists: false }, signal: ctx.signal },
    );
    return {};
  },
  delete: async (s, op, _key, ctx) => {
    await s.transport.json(
      'DELETE',
      messagePath(op.chatRemoteId, messageId(op.messageRemoteId)),
      MessageInfoSchema,
      { signal: ctx.signal },
    );
    return {};
  },
  read: async (s, op, _key, ctx) => {
    await s.transport.ok(
      'PUT',
      `${messagePath(op.chatRemoteId, messageId(op.messageRemoteId))}/read`,
      { signal: ctx.signal },
    );
    return {};
  },
  chatCreate: (s, op, _key, ctx) => createChat(s, op, ctx.signal),
  chatLeave: (s, op, _key, ctx) => leaveChat(s, op, ctx.signal),
  chatMember: (s, op, _key, ctx) => memberAction(s, op, ctx.signal),
  chatSettings: (s, op, _key, ctx) => chatSettings(s, op, ctx.signal),
  chatClear: (s, op, _key, ctx, attempt) => clearChat(s, op, attempt, ctx.signal),
} satisfies OperationTable<RestSession>;
