// JMAP Mail (RFC 8621) wire types with runtime schemas. Only what the mapping
// relies on is required; everything else is optional and kept (loose objects),
// because RFC 8621 §4.5 lets a server answer partial objects and servers add
// their own properties (see seed 003 on partial responses).
import * as z from 'zod';

export const MAIL = 'urn:ietf:params:jmap:mail';
export const SUBMISSION = 'urn:ietf:params:jmap:submission';

const str = z.string();
const maybe = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const MailboxSchema = z.looseObject({
  id: str,
  name: str,
  parentId: maybe(str),
  role: maybe(str),
  sortOrder: maybe(z.number()),
  totalEmails: maybe(z.number()),
  unreadEmails: maybe(z.number()),
});
export type Mailbox = z.infer<typeof MailboxSchema>;

export const EmailAddressSchema = z.looseObject({ name: maybe(str), email: maybe(str) });
export type EmailAddress = z.infer<typeof EmailAddressSchema>;
const addresses = maybe(z.array(EmailAddressSchema));

export const BodyPartSchema = z.looseObject({
  partId: maybe(str),
  blobId: maybe(str),
  size: maybe(z.number()),
  name: maybe(str),
  type: maybe(str),
  charset: maybe(str),
  disposition: maybe(str),
  cid: maybe(str),
});
export type BodyPart = z.infer<typeof BodyPartSchema>;

export const EmailSchema = z.looseObject({
  id: str,
  threadId: str,
  blobId: maybe(str),
  mailboxIds: z.record(str, z.boolean()),
  keywords: z.record(str, z.boolean()).nullable().catch({}).default({}),
  size: maybe(z.number()),
  receivedAt: str,
  messageId: maybe(z.array(str)),
  inReplyTo: maybe(z.array(str)),
  references: maybe(z.array(str)),
  sender: addresses,
  from: addresses,
  to: addresses,
  cc: addresses,
  bcc: addresses,
  replyTo: addresses,
  subject: maybe(str),
  sentAt: maybe(str),
  preview: maybe(str),
  hasAttachment: maybe(z.boolean()),
  textBody: maybe(z.array(BodyPartSchema)),
  htmlBody: maybe(z.array(BodyPartSchema)),
  attachments: maybe(z.array(BodyPartSchema)),
  bodyValues: maybe(
    z.record(
      str,
      z.looseObject({
        value: str,
        isEncodingProblem: maybe(z.boolean()),
        isTruncated: maybe(z.boolean()),
      }),
    ),
  ),
});
export type Email = z.infer<typeof EmailSchema>;

export const ThreadSchema = z.looseObject({ id: str, emailIds: z.array(str) });
export type Thread = z.infer<typeof ThreadSchema>;

export const IdentitySchema = z.looseObject({
  id: str,
  name: maybe(str),
  email: str,
  replyTo: addresses,
  bcc: addresses,
});
export type Identity = z.infer<typeof IdentitySchema>;

/** The Email properties a sync asks for. */
export const EMAIL_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'preview',
  'hasAttachment',
  'textBody',
  'htmlBody',
  'attachments',
  'bodyValues',
] as const;

export const MAILBOX_ROLES = ['inbox', 'sent', 'drafts', 'archive', 'trash', 'junk'] as const;
export type MailboxRole = (typeof MAILBOX_ROLES)[number];
