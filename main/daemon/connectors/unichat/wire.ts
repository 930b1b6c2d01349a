// What a unichat server sends, as runtime schemas (parse, don't trust). The
// records are those of seed 004 and shared/protocols/unichat/NOTES.md: the
// chat user, the subscription (with its group and the group's participants in
// the full form), the message (short when deleted), attachments and
// notifications. Unknown fields pass through (looseObject); optional ones may
// be absent or null, as the pages show both.
import * as z from 'zod';

/** `<long>`: ids are numbers; some servers send decimal strings. */
export const IdSchema = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/, 'an integer id')
    .transform((s) => Number(s)),
]);

/** A timestamp: ISO 8601 (`…Z`) or the groups' `"YYYY-MM-DD HH:MM:SS UTC"`, → ms. */
export const TimeSchema = z
  .string()
  .transform((s) =>
    Date.parse(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(s) ? s.replace(' ', 'T').replace(' UTC', 'Z') : s,
    ),
  )
  .refine((ms) => !Number.isNaN(ms), 'an ISO 8601 time');

export const UserSchema = z.looseObject({
  id: IdSchema,
  nick: z.string().nullish(),
  is_online: z.boolean().nullish(),
  status: z.string().nullish(),
  avatar: z.looseObject({ full: z.string().nullish(), small: z.string().nullish() }).nullish(),
  email: z.string().nullish(),
  auth_token: z.string().nullish(),
});
export type UniUser = z.infer<typeof UserSchema>;

export const AttachmentSchema = z.looseObject({
  content_type: z.string().nullish(),
  byte_size: z.union([z.number(), z.string()]).nullish(),
  url: z.string(),
  preview: z.string().nullish(),
  filename: z.string().nullish(),
});
export type UniAttachment = z.infer<typeof AttachmentSchema>;

export const MentionSchema = z.looseObject({ user_id: IdSchema, text: z.string().nullish() });

/** The long record, or the short one of a deleted message (no text, no created_at). */
export const MessageSchema = z.looseObject({
  id: IdSchema,
  user_id: IdSchema.nullish(),
  group_id: IdSchema,
  serial: IdSchema,
  deleted_at: TimeSchema.nullish(),
  text: z.string().nullish(),
  xtag: z.string().nullish(),
  attachments: z.array(AttachmentSchema).nullish(),
  mentions: z.array(MentionSchema).nullish(),
  reference: z.looseObject({ type: z.string(), id: z.union([z.string(), z.number()]) }).nullish(),
  forwarded_message_id: IdSchema.nullish(),
  in_reply_to_message_id: IdSchema.nullish(),
  uid: z.string().nullish(),
  edited_at: TimeSchema.nullish(),
  /** The name the document's prose gives the edit time ("Edit own message"); its record says edited_at. */
  last_edited_at: TimeSchema.nullish(),
  created_at: TimeSchema.nullish(),
});
export type UniMessage = z.infer<typeof MessageSchema>;

export const ROLES = ['ro', 'rw', 'admin'] as const;

/** A participant (a subscription as others see it: no draft, tags or mute). */
export const ParticipantSchema = z.looseObject({
  id: IdSchema,
  group_id: IdSchema,
  user_id: IdSchema,
  role: z.string(),
  user: UserSchema.nullish(),
});
export type UniParticipant = z.infer<typeof ParticipantSchema>;

export const GroupSchema = z.looseObject({
  id: IdSchema,
  type: z.string().nullish(),
  name: z.string().nullish(),
  is_space: z.boolean().nullish(),
  is_deleted: z.boolean().nullish(),
  owner_id: IdSchema.nullish(),
  last_message_id: IdSchema.nullish(),
  last_serial: IdSchema.nullish(),
  invite_code: z.string().nullish(),
  participants: z.array(ParticipantSchema).nullish(),
});
export type UniGroup = z.infer<typeof GroupSchema>;

export const SubscriptionSchema = z.looseObject({
  id: IdSchema,
  group_id: IdSchema,
  user_id: IdSchema,
  role: z.string(),
  draft: z.string().nullish(),
  mute_until: TimeSchema.nullish(),
  last_read_message_id: IdSchema.nullish(),
  last_mentioned_in_message_id: IdSchema.nullish(),
  user: UserSchema.nullish(),
  group: GroupSchema.nullish(),
});
export type UniSubscription = z.infer<typeof SubscriptionSchema>;

/** The subscription a deleted-subscription notification names: only `id` is certain. */
export const DeletedSubscriptionSchema = z.looseObject({
  id: IdSchema,
  group_id: IdSchema.nullish(),
  user_id: IdSchema.nullish(),
});

/** Every notification has event, object and a type under one of two names. */
export const NotificationSchema = z
  .looseObject({
    event: z.string(),
    object_type: z.string().nullish(),
    object_name: z.string().nullish(),
    object: z.record(z.string(), z.unknown()),
  })
  .refine((n) => (n.object_type ?? n.object_name) != null, 'object_type or object_name');
export type UniNotification = z.infer<typeof NotificationSchema>;
export const NotificationFrameSchema = z.looseObject({
  notifications: z.array(NotificationSchema),
});

export const EnteringSchema = z.looseObject({ group_id: IdSchema, user_id: IdSchema });

// ---- Method answers (the result merged into {"status":"OK", …}). ----
export const UserAnswer = z.looseObject({ user: UserSchema });
export const SubscriptionAnswer = z.looseObject({ subscription: SubscriptionSchema });
export const SubscriptionsAnswer = z.looseObject({ subscriptions: z.array(SubscriptionSchema) });
export const MessageAnswer = z.looseObject({ message: MessageSchema });
export const MessagesAnswer = z.looseObject({ messages: z.array(MessageSchema) });
export const CodeAnswer = z.looseObject({ code: z.string() });
export const UploadAnswer = z.looseObject({ upload_id: IdSchema });
export const EmptyAnswer = z.looseObject({});

/** HTTP 400: only error_code is meant to be relied on. */
export const ErrorBodySchema = z.looseObject({
  status: z.literal('error'),
  error_code: z.string(),
  error_text: z.string().nullish(),
});
