// Every write the user can make, as data: one zod schema per outbox operation.
// The API builds these, the outbox stores them as JSON, and reads them back
// through the same schema (a row written by an older build that no longer
// parses is failed with the reason, never sent half-understood). Connectors
// receive the parsed, typed value. The model imports nothing but zod.
import * as z from 'zod';

const remoteId = z.string();
const optionalRemoteId = z.string().nullish();

export const MAIL_ROLES = ['inbox', 'archive', 'trash', 'junk'] as const;
export type MailRole = (typeof MAIL_ROLES)[number];

export const MailAddressSchema = z.object({ name: z.string().nullish(), email: z.string() });
export type MailAddress = z.infer<typeof MailAddressSchema>;

/** A mail to send or keep as a draft: new (no chat), or a reply / reply-all to a message. */
const mailDraftFields = {
  chatRemoteId: remoteId.nullable(),
  mode: z.enum(['new', 'reply', 'replyAll']),
  replyToRemoteId: optionalRemoteId,
  to: z.array(MailAddressSchema).optional(),
  cc: z.array(MailAddressSchema).optional(),
  bcc: z.array(MailAddressSchema).optional(),
  subject: z.string().nullish(),
  body: z.string(),
  html: z.string().nullish(),
  /** A server draft this send replaces (destroyed once the mail is submitted). */
  draftRemoteId: optionalRemoteId,
};
export const MailDraftSchema = z.object(mailDraftFields);
export type MailDraft = z.infer<typeof MailDraftSchema>;

/**
 * A file or picture to send, already in the blob store: connectors read its
 * bytes with `ctx.openBlob(sha256)`, never from a path.
 */
export const OutgoingAttachmentSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
  name: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
  width: z.number().int().nullish(),
  height: z.number().int().nullish(),
});
export type OutgoingAttachment = z.infer<typeof OutgoingAttachmentSchema>;

/**
 * Formatting travels as HTML next to the plain body: a protocol with formatted
 * bodies (Matrix org.matrix.custom.html) sends it, any other sends the body.
 */
const formattedBody = z.string().nullish();

export const SendOpSchema = z.object({
  op: z.literal('send'),
  chatRemoteId: remoteId,
  body: z.string(),
  html: formattedBody,
  /** People the message mentions (remote ids): the protocol's mention form (Matrix m.mentions). */
  mentions: z.array(remoteId).optional(),
  replyToRemoteId: optionalRemoteId,
  /** A reply in the thread under this root message. */
  threadRootRemoteId: optionalRemoteId,
  /**
   * The message (of the same account) this one forwards; a protocol with
   * forwards links it (unichat), the others send the text alone.
   */
  forwardOfRemoteId: optionalRemoteId,
});
export const EditOpSchema = z.object({
  op: z.literal('edit'),
  chatRemoteId: remoteId,
  messageRemoteId: remoteId,
  body: z.string(),
  html: formattedBody,
  mentions: z.array(remoteId).optional(),
});
export const ReactOpSchema = z.object({
  op: z.literal('react'),
  chatRemoteId: remoteId,
  messageRemoteId: remoteId,
  key: z.string(),
  remove: z.boolean().optional(),
});
export const DeleteOpSchema = z.object({
  op: z.literal('delete'),
  chatRemoteId: remoteId,
  messageRemoteId: remoteId,
});
export const ReadOpSchema = z.object({
  op: z.literal('read'),
  chatRemoteId: remoteId,
  messageRemoteId: remoteId,
});
export const SendAttachmentOpSchema = z.object({
  op: z.literal('sendAttachment'),
  chatRemoteId: remoteId,
  body: z.string(),
  replyToRemoteId: optionalRemoteId,
  attachment: OutgoingAttachmentSchema,
});

// Mail (jmap-mail): keywords, moves, delete to Trash (destroy from Trash), sending and drafts.
export const MailKeywordOpSchema = z.object({
  op: z.literal('mailKeyword'),
  chatRemoteId: remoteId,
  messageRemoteIds: z.array(remoteId),
  keyword: z.enum(['$seen', '$flagged']),
  value: z.boolean(),
});
export const MailMoveOpSchema = z.object({
  op: z.literal('mailMove'),
  chatRemoteId: remoteId,
  messageRemoteIds: z.array(remoteId),
  toRole: z.enum(MAIL_ROLES).nullish(),
  toSpaceRemoteId: optionalRemoteId,
});
export const MailDeleteOpSchema = z.object({
  op: z.literal('mailDelete'),
  chatRemoteId: remoteId,
  messageRemoteIds: z.array(remoteId),
});
export const MailSendOpSchema = z.object({ op: z.literal('mailSend'), ...mailDraftFields });
export const MailSaveDraftOpSchema = z.object({
  op: z.literal('mailSaveDraft'),
  ...mailDraftFields,
  replaceDraftRemoteId: optionalRemoteId,
});

// Chats and membership (protocol-neutral). A create has no chat yet.
export const ChatCreateOpSchema = z.object({
  op: z.literal('chatCreate'),
  chatRemoteId: z.null(),
  name: z.string().nullish(),
  topic: z.string().nullish(),
  /** People to invite (remote ids); a direct chat has exactly one. */
  invite: z.array(remoteId).optional(),
  direct: z.boolean().optional(),
  visibility: z.enum(['private', 'public']).optional(),
});
/** Joins by id or address (an alias), or accepts an invitation. */
export const ChatJoinOpSchema = z.object({ op: z.literal('chatJoin'), chatRemoteId: remoteId });
/** Leaves (or declines an invitation); `forget` also drops it from the server's history. */
export const ChatLeaveOpSchema = z.object({
  op: z.literal('chatLeave'),
  chatRemoteId: remoteId,
  forget: z.boolean().optional(),
});
export const ChatMemberOpSchema = z.object({
  op: z.literal('chatMember'),
  chatRemoteId: remoteId,
  action: z.enum(['invite', 'kick', 'ban', 'unban']),
  personRemoteId: remoteId,
  reason: z.string().nullish(),
});

/**
 * The user's settings of a chat that the server keeps (REST chat: mute,
 * archive, block); only the fields given change. Connectors without server-side
 * settings do not list it: the flags then stay local (chats.setFlags).
 */
export const ChatSettingsOpSchema = z.object({
  op: z.literal('chatSettings'),
  chatRemoteId: remoteId,
  muted: z.boolean().optional(),
  archived: z.boolean().optional(),
  /** Blocks the chat: no more notifications from it, and its other side cannot post to us. */
  blocked: z.boolean().optional(),
});

/**
 * Clears the chat's history for everyone (REST chat: its owner, or either
 * side of a personal chat; the server refuses anyone else). Nothing changes
 * here until the server says it cleared (its event, then the catch-up).
 * `throughMessageRemoteId`: the newest message the user had when asking, so a
 * retry can tell whether an earlier attempt already cleared.
 */
export const ChatClearOpSchema = z.object({
  op: z.literal('chatClear'),
  chatRemoteId: remoteId,
  throughMessageRemoteId: optionalRemoteId,
});

export const OutboxOpSchema = z.discriminatedUnion('op', [
  SendOpSchema,
  EditOpSchema,
  ReactOpSchema,
  DeleteOpSchema,
  ReadOpSchema,
  SendAttachmentOpSchema,
  MailKeywordOpSchema,
  MailMoveOpSchema,
  MailDeleteOpSchema,
  MailSendOpSchema,
  MailSaveDraftOpSchema,
  ChatCreateOpSchema,
  ChatJoinOpSchema,
  ChatLeaveOpSchema,
  ChatMemberOpSchema,
  ChatSettingsOpSchema,
  ChatClearOpSchema,
]);

export type OutboxOp = z.infer<typeof OutboxOpSchema>;
export type OpName = OutboxOp['op'];
/** The operation named `N`, e.g. `OpOf<'edit'>`. */
export type OpOf<N extends OpName> = Extract<OutboxOp, { op: N }>;

/** Every operation name, in the union's order. */
export const OP_NAMES: readonly OpName[] = OutboxOpSchema.options.map((o) => o.shape.op.value);

export type ParsedOp = { ok: true; op: OutboxOp } | { ok: false; reason: string };

/**
 * Reads back a stored operation. Never throws: an unreadable or outdated
 * payload comes back as a one-line reason for the outbox entry's lastError.
 */
export function parseStoredOp(json: string): ParsedOp {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'the stored operation is not valid JSON' };
  }
  const parsed = OutboxOpSchema.safeParse(value);
  if (parsed.success) return { ok: true, op: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
  const kind =
    typeof (value as { op?: unknown } | null)?.op === 'string'
      ? `a "${(value as { op: string }).op}" operation`
      : 'an operation';
  return {
    ok: false,
    reason: `this build cannot read ${kind} stored by another version${where}: ${issue?.message ?? 'invalid'}`,
  };
}
