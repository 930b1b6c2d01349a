// End-to-end encryption as the user sees it: how many messages still wait for their key.
import { waitingForKeyCount } from '../../store/waitingForKeys.js';
import type { HandlerContext, Handlers } from './context.js';

export function encryptionHandlers(ctx: HandlerContext) {
  const { store, chatOrThrow } = ctx;
  return {
    'chats.waitingForKeys': ({ chatId }) => {
      if (chatId !== undefined) chatOrThrow(chatId);
      return { count: waitingForKeyCount(store.readDb, chatId) };
    },
  } satisfies Partial<Handlers>;
}
