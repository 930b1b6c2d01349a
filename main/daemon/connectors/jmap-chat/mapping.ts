// JMAP Chat → Parley's model: ChatContact → person, Space → space (its
// categories → child spaces), Chat → chat (direct chats named after the
// contact), Message → message (senderId "self" → our id; deletedAt → deleted;
// reactions → the current set, keyed by sender and emoji).
import type {
  MessageKind,
  RemoteChat,
  RemoteEdit,
  RemoteMessage,
  RemotePerson,
  RemoteReaction,
  RemoteSpace,
} from '../../model/types.js';
import type { ChatSession } from './transport.js';
import type { Chat, ChatContact, Message, Space } from './wire.js';

export function contactToPerson(c: ChatContact): RemotePerson {
  return { remoteId: c.id, displayName: c.displayName || c.login || c.id, raw: c };
}

export function spaceToSpaces(s: Space): RemoteSpace[] {
  return [
    { remoteId: s.id, name: s.name, kind: 'space', raw: s },
    ...s.categories.map((c) => ({
      remoteId: c.id,
      name: c.name,
      kind: 'category',
      parentRemoteId: s.id,
    })),
  ];
}

export function chatToChat(s: ChatSession, c: Chat): RemoteChat {
  const contact = c.contactId ? s.contacts.get(c.contactId) : undefined;
  return {
    remoteId: c.id,
    kind: c.kind,
    name:
      c.kind === 'direct'
        ? (contact?.name ?? c.contactId ?? 'Direct chat')
        : (c.name ?? (c.kind === 'channel' ? 'channel' : 'Group')),
    topic: c.kind === 'channel' ? (c.topic ?? null) : (c.description ?? null),
    spaceRemoteId: c.kind === 'channel' ? (c.spaceId ?? null) : null,
    unreadCount: c.unreadCount ?? undefined,
    raw: c,
  };
}

export function chatMembers(
  s: ChatSession,
  c: Chat,
): { chatRemoteId: string; personRemoteId: string; membership: string; role?: string }[] {
  if (c.kind === 'direct')
    return [s.selfId, c.contactId ?? ''].filter(Boolean).map((id) => ({
      chatRemoteId: c.id,
      personRemoteId: id,
      membership: 'join',
    }));
  return (c.members ?? []).map((m) => ({
    chatRemoteId: c.id,
    personRemoteId: m.id === 'self' ? s.selfId : m.id,
    membership: 'join',
    role: m.role,
  }));
}

/** Plain text of an application/jmap-chat-rich body; unknown span types render as text. */
export function richToText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { spans?: { text?: unknown }[] };
    return (parsed.spans ?? []).map((s) => (typeof s.text === 'string' ? s.text : '')).join('');
  } catch {
    return body;
  }
}

function kindOf(m: Message): MessageKind {
  if (m.body.trim() === '' && m.attachments.length > 0) {
    const mime = m.attachments[0]!.contentType;
    if (mime.startsWith('image/')) return 'image';
    if (mime.startsWith('audio/')) return 'audio';
    if (mime.startsWith('video/')) return 'video';
    return 'file';
  }
  if (m.bodyType === 'application/mls-ciphertext') return 'encrypted';
  return 'text';
}

const ms = (d: string | null | undefined): number | null => {
  if (!d) return null;
  const t = Date.parse(d);
  return Number.isNaN(t) ? null : t;
};

const textOf = (body: string, bodyType: string) =>
  bodyType === 'application/jmap-chat-rich' ? richToText(body) : body;

export function messageToMessage(s: ChatSession, m: Message): RemoteMessage {
  const sender = m.senderId === 'self' ? s.selfId : m.senderId;
  const deleted = !!m.deletedAt;
  return {
    remoteId: m.id,
    chatRemoteId: m.chatId,
    senderRemoteId: sender,
    senderName: s.contacts.get(sender)?.name ?? (sender === s.selfId ? s.selfName : null),
    ts: ms(m.receivedAt) ?? Date.now(),
    kind: deleted ? 'text' : kindOf(m),
    body: textOf(m.body, m.bodyType),
    replyToRemoteId: m.replyTo ?? null,
    threadRootRemoteId: m.threadRootId ?? null,
    editedTs: ms(m.editedAt),
    deleted,
    mentionsSelf: m.mentions.some((x) => x.id === s.selfId) || m.broadcastMentions.length > 0,
    mentionRemoteIds: m.mentions.map((x) => x.id),
    attachments: m.attachments.map((a) => ({
      remoteId: a.blobId,
      name: a.filename,
      mime: a.contentType,
      size: a.size ?? null,
    })),
    idempotencyKey: s.sentKeys.get(m.id) ?? null,
    raw: m,
  };
}

/**
 * A message with its edit history as edits, so the store keeps every earlier
 * text (message_revisions) instead of having the body overwritten. `applied`
 * is how many edits the store already has (the `edits:<id>` cursor): the
 * message carries the text after that many edits (the first text when none),
 * and the later ones come as edits, each stamped with the time it was made
 * (strictly increasing, so the store applies them in order and once).
 */
export function withEdits(
  s: ChatSession,
  m: Message,
  applied: number,
): { message: RemoteMessage; edits: RemoteEdit[]; count: number } {
  const message = messageToMessage(s, m);
  const history = m.editHistory;
  const n = history.length;
  if (n === 0 || message.deleted) return { message, edits: [], count: n };
  const times: number[] = [];
  let previous = message.ts;
  for (let j = 1; j <= n; j++) {
    const t = ms(history[j - 1]!.editedAt) ?? ms(m.editedAt) ?? previous + 1;
    previous = Math.max(t, previous + 1);
    times.push(previous);
  }
  const latest = message.body;
  const bodyAfter = (j: number) =>
    j < n ? textOf(history[j]!.body, history[j]!.bodyType) : latest;
  const k = Math.min(Math.max(0, applied), n);
  message.body = k === 0 ? textOf(history[0]!.body, history[0]!.bodyType) : bodyAfter(k);
  message.editedTs = k === 0 ? null : times[k - 1]!;
  const edits: RemoteEdit[] = [];
  for (let j = k + 1; j <= n; j++)
    edits.push({ messageRemoteId: m.id, body: bodyAfter(j), html: null, editedTs: times[j - 1]! });
  return { message, edits, count: n };
}

/** The message's reactions as (sender, emoji) pairs, keyed by senderReactionId. */
export function reactionsOf(s: ChatSession, m: Message): RemoteReaction[] {
  if (m.deletedAt) return [];
  return Object.entries(m.reactions).map(([rid, r]) => ({
    messageRemoteId: m.id,
    senderRemoteId: r.senderId === 'self' ? s.selfId : r.senderId,
    key: r.emoji,
    ts: ms(r.sentAt) ?? Date.now(),
    remoteId: `${m.id}/${rid}`,
  }));
}

/** Mentions for a body: every "@login" (or "@name" of one word) of a known contact, as UTF-8 byte ranges. */
export function mentionsIn(
  s: ChatSession,
  body: string,
): { id: string; offset: number; length: number }[] {
  const out: { id: string; offset: number; length: number }[] = [];
  const byHandle = new Map<string, string>();
  for (const [id, c] of s.contacts) {
    byHandle.set(c.login.toLowerCase(), id);
    byHandle.set(id.toLowerCase(), id);
  }
  for (const match of body.matchAll(/@([\p{L}\p{N}_.-]+)/gu)) {
    const id = byHandle.get(match[1]!.toLowerCase());
    if (!id) continue;
    const offset = Buffer.byteLength(body.slice(0, match.index), 'utf8');
    out.push({ id, offset, length: Buffer.byteLength(match[0], 'utf8') });
  }
  return out;
}
