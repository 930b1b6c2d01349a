// JMAP Chat (draft-atwood-jmap-chat-00) wire types and their runtime schemas.
// Loose objects: unknown properties survive into `raw`; every field a server
// may omit has a default, since real servers advertise little.
import * as z from 'zod';

export const CHAT = 'urn:ietf:params:jmap:chat';
export const BLOB = 'urn:ietf:params:jmap:blob';
export const BLOB2 = 'urn:ietf:params:jmap:blob2';
export const QUOTA = 'urn:ietf:params:jmap:quota';
/** draft-atwood-jmap-chat-wss: typing and presence events over the RFC 8887 WebSocket. */
export const CHAT_WEBSOCKET = 'urn:ietf:params:jmap:chat:websocket';

const str = z.string();
const optStr = z.string().nullable().optional();

export const ChatAccountCapabilitySchema = z.looseObject({
  maxBodyBytes: z.number().int().nonnegative().catch(64_000),
  maxAttachmentBytes: z.number().int().nonnegative().catch(10_000_000),
  maxAttachmentsPerMessage: z.number().int().nonnegative().catch(10),
  supportedBodyTypes: z.array(str).catch(['text/plain']),
  supportsThreads: z.boolean().catch(false),
});
export type ChatAccountCapability = z.infer<typeof ChatAccountCapabilitySchema>;

export const ChatContactSchema = z.looseObject({
  id: str,
  login: str.catch(''),
  displayName: optStr,
  presence: optStr,
  statusText: optStr,
  statusEmoji: optStr,
  lastActiveAt: optStr,
  blocked: z.boolean().catch(false),
});
export type ChatContact = z.infer<typeof ChatContactSchema>;

export const ChatMemberSchema = z.looseObject({ id: str, role: str.catch('member') });

export const ChatSchema = z.looseObject({
  id: str,
  kind: z.enum(['direct', 'group', 'channel']),
  contactId: optStr,
  name: optStr,
  description: optStr,
  topic: optStr,
  spaceId: optStr,
  categoryId: optStr,
  members: z.array(ChatMemberSchema).nullable().optional(),
  unreadCount: z.number().int().nonnegative().nullable().optional(),
  lastMessageAt: optStr,
  muted: z.boolean().catch(false),
  slowModeSeconds: z.number().nullable().optional(),
});
export type Chat = z.infer<typeof ChatSchema>;

export const AttachmentSchema = z.looseObject({
  blobId: str,
  filename: str.catch('file'),
  contentType: str.catch('application/octet-stream'),
  size: z.number().int().nonnegative().nullable().optional(),
  sha256: optStr,
});

export const ReactionSchema = z.looseObject({
  emoji: str,
  customEmojiId: optStr,
  senderId: str,
  sentAt: optStr,
});

export const MessageSchema = z.looseObject({
  id: str,
  chatId: str,
  senderId: str,
  body: str.catch(''),
  bodyType: str.catch('text/plain'),
  attachments: z.array(AttachmentSchema).catch([]),
  mentions: z.array(z.looseObject({ id: str, offset: z.number(), length: z.number() })).catch([]),
  broadcastMentions: z.array(z.looseObject({ scope: str })).catch([]),
  reactions: z.record(str, ReactionSchema).catch({}),
  replyTo: optStr,
  threadRootId: optStr,
  sentAt: optStr,
  receivedAt: str,
  editedAt: optStr,
  /** Earlier bodies, oldest first; each with the time it was replaced. */
  editHistory: z
    .array(
      z.looseObject({ body: str.catch(''), bodyType: str.catch('text/plain'), editedAt: optStr }),
    )
    .catch([]),
  deletedAt: optStr,
  deletedForAll: z.boolean().nullable().optional(),
});
export type Message = z.infer<typeof MessageSchema>;

export const SpaceSchema = z.looseObject({
  id: str,
  name: str,
  description: optStr,
  categories: z.array(z.looseObject({ id: str, name: str })).catch([]),
  members: z.array(z.looseObject({ id: str, nick: optStr })).catch([]),
  roles: z.array(z.looseObject({ id: str, name: str })).catch([]),
});
export type Space = z.infer<typeof SpaceSchema>;

export const ReadPositionSchema = z.looseObject({
  id: str,
  chatId: str,
  lastReadMessageId: optStr,
});
export type ReadPosition = z.infer<typeof ReadPositionSchema>;

/** Ephemeral push (SSE `typing`, WebSocket `ChatTypingEvent`): someone types in a chat. */
export const TypingEventSchema = z.looseObject({
  chatId: str,
  senderId: str,
  typing: z.boolean(),
});
export type TypingEvent = z.infer<typeof TypingEventSchema>;

/** Ephemeral push (SSE `presence`, WebSocket `ChatPresenceEvent`); an absent field is unchanged. */
export const PresenceEventSchema = z.looseObject({
  contactId: str,
  presence: optStr,
  lastActiveAt: optStr,
  statusText: optStr,
  statusEmoji: optStr,
});
export type PresenceEvent = z.infer<typeof PresenceEventSchema>;
