// Exactly-once creates without help from the server. RFC 8620 scopes a
// creation id to one request, so a create retried after a lost answer
// (timeout, reset, 5xx after the write) would make a second object. An attempt
// after an earlier one therefore first looks for what that one created. Every
// attempt of a send carries the same sentAt (the time the user wrote it, from
// the outbox entry), so the message is found among the chat's newest: our own,
// same body, reply target, attachments and sentAt. A group is found by its
// name, description and members among the groups created since the write.
import type { WriteAttempt } from '../connector.js';
import { parseArgs } from '../jmap/client.js';
import type { ChatSession } from './transport.js';
import { ChatSchema, MessageSchema, type Message } from './wire.js';

/** The sentAt every attempt of a write sends: when the user wrote it, to the second. */
export const sentAtOf = (attempt: WriteAttempt): string =>
  new Date(attempt.queuedAt).toISOString().replace(/\.\d+Z$/, 'Z');

/** What an earlier attempt would have created. */
export interface SendShape {
  chatId: string;
  body: string;
  replyTo: string | null;
  attachments: { filename: string; size: number }[];
}

const PAGE = 50;
const MAX_PAGES = 4;
/**
 * The server's clock may run behind ours: messages received this long before
 * the write was queued are still looked at; older ones end the search.
 */
const CLOCK_SKEW_MS = 15 * 60_000;

/**
 * The id of the message an earlier attempt of this write created, or null when
 * none did. Looks at the chat's newest messages (newest first) back to the
 * time the write was queued, at most MAX_PAGES pages.
 */
export async function findEarlierSend(
  s: ChatSession,
  shape: SendShape,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<string | null> {
  const sentAt = Date.parse(sentAtOf(attempt));
  const oldest = attempt.queuedAt - CLOCK_SKEW_MS;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = await s.client.query(
      'Message',
      {
        accountId: s.accountId,
        filter: { chatId: shape.chatId },
        sort: [{ property: 'receivedAt', isAscending: false }],
        position: page * PAGE,
        limit: PAGE,
      },
      signal,
    );
    if (q.ids.length === 0) return null;
    const got = await s.client.get('Message', s.accountId, q.ids, {}, signal);
    const list = got.list.map((raw) => parseArgs(MessageSchema, 'Message/get', raw));
    const mine = list.find((m) => isOurs(s, m, shape, sentAt));
    if (mine) return mine.id;
    if (list.some((m) => Date.parse(m.receivedAt) < oldest) || q.ids.length < PAGE) return null;
  }
  return null;
}

function isOurs(s: ChatSession, m: Message, shape: SendShape, sentAt: number): boolean {
  if (m.senderId !== 'self' && m.senderId !== s.selfId) return false;
  if (m.chatId !== shape.chatId || (m.replyTo ?? null) !== shape.replyTo) return false;
  if (!m.sentAt || Date.parse(m.sentAt) !== sentAt) return false;
  if (m.body !== shape.body || m.attachments.length !== shape.attachments.length) return false;
  return shape.attachments.every(
    (a, i) =>
      m.attachments[i]!.filename === a.filename && (m.attachments[i]!.size ?? a.size) === a.size,
  );
}

/** What an earlier attempt of a group create would have made. */
export interface GroupShape {
  name: string;
  description: string | null;
  memberIds: string[];
}

/**
 * The id of a group an earlier attempt of this write created, or null: one
 * with the same name, description and members (us and the invited), created
 * since the write was queued (less the clock allowance).
 */
export async function findEarlierGroup(
  s: ChatSession,
  shape: GroupShape,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<string | null> {
  const members = new Set([...shape.memberIds, s.selfId]);
  const oldest = attempt.queuedAt - CLOCK_SKEW_MS;
  const got = await s.client.get('Chat', s.accountId, null, {}, signal);
  for (const raw of got.list) {
    const c = parseArgs(ChatSchema, 'Chat/get', raw);
    if (c.kind !== 'group' || c.name !== shape.name) continue;
    if ((c.description ?? null) !== shape.description) continue;
    const createdAt = typeof raw.createdAt === 'string' ? Date.parse(raw.createdAt) : NaN;
    if (!(createdAt >= oldest)) continue;
    const ids = new Set((c.members ?? []).map((m) => m.id));
    if (ids.size === members.size && [...members].every((id) => ids.has(id))) return c.id;
  }
  return null;
}
