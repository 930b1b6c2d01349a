// The whole chat list, page by page: chats.list is keyset-paged (no cap on how
// many chats there are), and callers that need every chat (the unread badge,
// the renderer's list, the CLI) read pages until nextCursor is null. Types
// only from the contract, so the renderer can use it without the schemas.
import type { ProcedureInput, ProcedureOutput } from './contract.js';
import type { ChatSummary } from '../model/types.js';

type ListInput = ProcedureInput<'chats.list'>;

/** Every page of chats.list for a filter, in list order. */
export async function allChats(
  call: (input: ListInput) => Promise<ProcedureOutput<'chats.list'>>,
  filter: Omit<ListInput, 'cursor'> = {},
): Promise<ChatSummary[]> {
  const chats: ChatSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(cursor === undefined ? filter : { ...filter, cursor });
    chats.push(...page.chats);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return chats;
}
