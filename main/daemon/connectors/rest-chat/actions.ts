// The REST chat operation table. A post carries localId "<our user id>+<outbox
// key>"; the server never deduplicates by it, so exactly-once is ours: before
// posting, the chat's newest messages are searched for that localId (a
// previous attempt whose answer was lost: timeout, reset, 5xx, a restart) and
// the copy found is adopted instead of posting again.
import type { WriteResult } from '../connector.js';
import type { OperationTable } from '../operations.js';
import { PermanentError } from '../errors.js';
import { localIdFor } from './mapping.js';
import type { RestSession } from './session.js';
import { page } from './sync.js';
import { MessageInfoSchema } from './wire.js';

/** How far down the chat a lost post is looked for: more than anyone posts between two retries. */
const ADOPT_WINDOW = 50;

const messagePath = (chatId: string, messageId: string) =>
  `/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}`;

function messageId(remoteId: string): string {
  if (!/^\d+$/.test(remoteId)) throw new PermanentError(`not a REST chat message id: ${remoteId}`);
  return remoteId;
}

async function post(
  s: RestSession,
  chatId: string,
  body: string,
  key: string,
  signal: AbortSignal,
): Promise<WriteResult> {
  const localId = localIdFor(s.selfId, key);
  const recent = await page(s, chatId, ADOPT_WINDOW, undefined, signal);
  const earlier = recent.find((m) => m.localId === localId);
  if (earlier) return { remoteId: String(earlier.id) };
  const sent = await s.transport.json(
    'POST',
    `/chats/${encodeURIComponent(chatId)}/messages`,
    MessageInfoSchema,
    { body: { localId, text: body }, signal },
  );
  return { remoteId: String(sent.id) };
}

export const restChatOperations = {
  send: (s, op, key, ctx) => post(s, op.chatRemoteId, op.body, key, ctx.signal),
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
} satisfies OperationTable<RestSession>;
