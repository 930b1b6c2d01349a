// Replies in a thread (spec: Threading). A thread reply relates to the root
// with m.thread; for clients without threads it also carries a reply fallback
// (is_falling_back) to the thread's latest event, so they still show it as a
// reply in context. A real reply to one message in the thread is not a fallback.
import { enc, type MatrixTransport } from './transport.js';
import { relationsSchema } from './wire.js';

export async function threadRelation(
  transport: MatrixTransport,
  roomId: string,
  rootId: string,
  replyTo: string | null,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const inReplyTo = replyTo ?? (await latestInThread(transport, roomId, rootId, signal));
  return {
    rel_type: 'm.thread',
    event_id: rootId,
    is_falling_back: replyTo === null,
    'm.in_reply_to': { event_id: inReplyTo },
  };
}

/** The newest event of the thread, asked of the server (ours may lag); the root when it has none. */
async function latestInThread(
  transport: MatrixTransport,
  roomId: string,
  rootId: string,
  signal: AbortSignal,
): Promise<string> {
  const res = await transport.json(
    'GET',
    `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(rootId)}/m.thread`,
    relationsSchema,
    { signal, query: { limit: 1, dir: 'b' } },
  );
  return res.chunk[0]?.event_id ?? rootId;
}
