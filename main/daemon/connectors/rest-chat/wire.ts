// What the REST chat server sends, as runtime schemas (parse, don't trust).
// Every optional field may be absent (Swift's encodeIfPresent). Dates come in
// two encodings: HTTP bodies carry ISO-8601 strings, websocket frames carry
// seconds since 2001-01-01 (a plain Swift JSONEncoder); both parse to epoch ms.
import * as z from 'zod';

/** Seconds between the Unix epoch and Swift's reference date, 2001-01-01T00:00:00Z. */
export const REFERENCE_DATE_OFFSET_S = 978_307_200;

/** A date in either encoding → ms since the Unix epoch. */
export const WireDateSchema = z.union([
  z.number().transform((s) => Math.round((s + REFERENCE_DATE_OFFSET_S) * 1000)),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 date')
    .transform((s) => Date.parse(s)),
]);

export const MediaInfoSchema = z.looseObject({
  id: z.string(),
  fileType: z.string().optional(),
  fileSize: z.number().optional(),
  previewWidth: z.number().optional(),
  previewHeight: z.number().optional(),
  createdAt: WireDateSchema.optional(),
});
export type MediaInfo = z.infer<typeof MediaInfoSchema>;

export const UserInfoSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().optional(),
  username: z.string().optional(),
  about: z.string().optional(),
  lastAccess: WireDateSchema.optional(),
  photos: z.array(MediaInfoSchema).optional(),
});
export type UserInfo = z.infer<typeof UserInfoSchema>;

export const DeviceSessionSchema = z.looseObject({
  id: z.string(),
  accessToken: z.string(),
  deviceInfo: z.looseObject({ id: z.string() }),
});

/** User.PrivateInfo: what login and /users/me answer. */
export const PrivateInfoSchema = z.looseObject({
  info: UserInfoSchema,
  deviceSessions: z.array(DeviceSessionSchema),
});

export const MessageInfoSchema = z.looseObject({
  id: z.number().int(),
  localId: z.string().optional(),
  chatId: z.string(),
  authorId: z.number().int().optional(),
  text: z.string().optional(),
  createdAt: WireDateSchema.optional(),
  updatedAt: WireDateSchema.optional(),
  editedAt: WireDateSchema.optional(),
  deletedAt: WireDateSchema.optional(),
  isVisible: z.boolean().optional(),
  attachments: z.array(MediaInfoSchema).optional(),
});
export type MessageInfo = z.infer<typeof MessageInfoSchema>;

export const ChatInfoSchema = z.looseObject({
  id: z.string(),
  title: z.string().optional(),
  isPersonal: z.boolean().optional(),
  owner: UserInfoSchema.optional(),
  allUsers: z.array(UserInfoSchema).optional(),
  addedUsers: z.array(UserInfoSchema).optional(),
  removedUsers: z.array(UserInfoSchema).optional(),
  lastMessage: MessageInfoSchema.optional(),
  images: z.array(MediaInfoSchema).optional(),
  isMuted: z.boolean().optional(),
  isArchived: z.boolean().optional(),
  isBlocked: z.boolean().optional(),
});
export type ChatInfo = z.infer<typeof ChatInfoSchema>;

export const ChatListSchema = z.array(ChatInfoSchema);
export const MessagePageSchema = z.array(MessageInfoSchema);
/** GET /chats/:id/users/blocked. */
export const BlockedUsersSchema = z.array(UserInfoSchema);

/** Vapor's error body. */
export const ErrorBodySchema = z.object({ error: z.literal(true), reason: z.string() });
