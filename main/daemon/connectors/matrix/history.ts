// One page of a room's history, going back in time: backfill walks pages to
// the room's start, gap filling walks them back to the previous sync token.
import type { ConnectorContext } from '../connector.js';
import { C, type MatrixAccount } from './account.js';
import { enc } from './transport.js';
import { messagesResponseSchema, type MessagesResponse } from './wire.js';

export interface HistoryPage {
  /** The token to page back from. */
  from: string;
  /** Stop at this token (a gap's lower edge); absent: until the room's start. */
  to?: string;
  limit: number;
}

/** GET /rooms/{roomId}/messages with dir=b; member state is lazy-loaded for the page's senders. */
export function olderMessages(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  page: HistoryPage,
): Promise<MessagesResponse> {
  return a.transport.json('GET', `${C}/rooms/${enc(roomId)}/messages`, messagesResponseSchema, {
    signal: ctx.signal,
    query: {
      dir: 'b',
      from: page.from,
      ...(page.to !== undefined ? { to: page.to } : {}),
      limit: page.limit,
      filter: JSON.stringify({ lazy_load_members: true }),
    },
  });
}
