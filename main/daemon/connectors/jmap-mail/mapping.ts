// JMAP Mail → Parley's model: Mailbox → space, Thread → chat (kind 'mail'),
// Email → message (kind 'mail'). HTML is kept as received (the renderer
// sanitizes it). From/To/Cc and the $flagged/$draft keywords become the
// message's typed mail fields; the whole Email minus its body values goes to
// raw, so what the model has no field for is not lost.
import type {
  MailHeaderAddress,
  RemoteAttachment,
  RemoteMailFields,
  RemoteChat,
  RemoteMessage,
  RemotePerson,
  RemoteReadPosition,
  RemoteSpace,
} from '../../model/types.js';
import { MAILBOX_ROLES, type Email, type EmailAddress, type Mailbox } from './wire.js';

export function mailboxToSpace(m: Mailbox): RemoteSpace {
  const role =
    m.role && (MAILBOX_ROLES as readonly string[]).includes(m.role) ? m.role : (m.role ?? null);
  return {
    remoteId: m.id,
    name: m.name,
    kind: 'mailbox',
    role,
    parentRemoteId: m.parentId ?? null,
    raw: m,
  };
}

const addressKey = (a: EmailAddress): string | null => (a.email ? a.email.toLowerCase() : null);

export function addressToPerson(a: EmailAddress): RemotePerson | null {
  const key = addressKey(a);
  if (!key) return null;
  return { remoteId: key, displayName: a.name?.trim() || a.email!, raw: a };
}

/** The idempotency key we put into the Message-ID of mail we send. */
export const messageIdFor = (key: string, host: string): string => `parley.${key}@${host}`;
const KEY_IN_MESSAGE_ID = /^parley\.([A-Za-z0-9_-]{8,80})@/;

function bodyText(email: Email, parts: Email['textBody'], wantHtml: boolean): string | null {
  if (!parts?.length) return null;
  const values = email.bodyValues ?? {};
  const chunks: string[] = [];
  for (const p of parts) {
    const isHtml = (p.type ?? '').toLowerCase() === 'text/html';
    if (wantHtml !== isHtml) continue;
    const v = p.partId ? values[p.partId] : undefined;
    if (v) chunks.push(v.value);
  }
  return chunks.length ? chunks.join(wantHtml ? '\n' : '\n\n') : null;
}

/** Plain text from HTML, only for search and previews when a mail has no text part. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim();
}

const isBodyText = (p: { type?: string | null }) =>
  ['text/plain', 'text/html'].includes((p.type ?? '').toLowerCase());

function attachmentsOf(email: Email): RemoteAttachment[] {
  const out: RemoteAttachment[] = [];
  const seen = new Set<string>();
  // RFC 8621 §4.1.4 puts an inline image, audio or video part into textBody
  // and htmlBody and NOT into attachments (Cyrus does so): the photo an iPhone
  // puts between two text parts, or a mail that is one image. Those parts are
  // shown as attachments too, or the user never sees them.
  const inline = [...(email.textBody ?? []), ...(email.htmlBody ?? [])].filter(
    (p) => !isBodyText(p),
  );
  for (const part of [...(email.attachments ?? []), ...inline]) {
    if (!part.blobId || seen.has(part.blobId)) continue;
    seen.add(part.blobId);
    out.push({
      remoteId: part.blobId,
      name: part.name ?? (part.type === 'message/rfc822' ? 'message.eml' : 'attachment'),
      mime: part.type ?? 'application/octet-stream',
      size: part.size ?? null,
    });
  }
  return out;
}

/** A header's addresses as the reader shows them: only entries with an email; empty names are none. */
function headerAddresses(list: EmailAddress[] | null | undefined): MailHeaderAddress[] {
  const out: MailHeaderAddress[] = [];
  for (const a of list ?? [])
    if (typeof a.email === 'string') out.push({ name: a.name || null, email: a.email });
  return out;
}

export function mailFields(email: Email): RemoteMailFields {
  return {
    from: headerAddresses(email.from),
    to: headerAddresses(email.to),
    cc: headerAddresses(email.cc),
    flagged: email.keywords?.$flagged === true,
    draft: isDraft(email),
  };
}

export function emailToMessage(
  email: Email,
  byMessageId: Map<string, string> = new Map(),
): RemoteMessage {
  const from = email.from?.[0] ?? email.sender?.[0] ?? null;
  const text = bodyText(email, email.textBody, false);
  const html = bodyText(email, email.htmlBody, true);
  // The server's preview stands in only when there is a text part whose value
  // we lack; a mail with no text part at all (one image) has none worth
  // showing (Cyrus previews a lone PNG as its raw bytes).
  const hasText = [...(email.textBody ?? []), ...(email.htmlBody ?? [])].some(isBodyText);
  const body = text ?? (html ? htmlToText(html) : hasText ? (email.preview ?? '') : '');
  const key = email.messageId?.[0]
    ? (KEY_IN_MESSAGE_ID.exec(email.messageId[0])?.[1] ?? null)
    : null;
  const inReplyTo = email.inReplyTo?.[0];
  const { bodyValues, ...rest } = email;
  const truncated = Object.values(bodyValues ?? {}).some((v) => v.isTruncated);
  const ts = Date.parse(email.receivedAt);
  return {
    remoteId: email.id,
    chatRemoteId: email.threadId,
    senderRemoteId: from ? addressKey(from) : null,
    senderName: from ? from.name?.trim() || from.email || null : null,
    ts: Number.isFinite(ts) ? ts : 0,
    kind: 'mail',
    body,
    html,
    subject: email.subject ?? null,
    replyToRemoteId: (inReplyTo && byMessageId.get(inReplyTo)) ?? null,
    attachments: attachmentsOf(email),
    idempotencyKey: key,
    mail: mailFields(email),
    raw: truncated ? { ...rest, bodyTruncated: true } : rest,
  };
}

export const isSeen = (e: Email) => e.keywords?.$seen === true;
export const isDraft = (e: Email) => e.keywords?.$draft === true;

/** The mailbox a thread is shown under: its newest email's, preferring anything but sent/drafts. */
export function threadSpace(emails: Email[], roles: Map<string, string | null>): string | null {
  const newestFirst = [...emails].sort(
    (a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt),
  );
  for (const e of newestFirst)
    for (const id of Object.keys(e.mailboxIds))
      if (!['sent', 'drafts'].includes(roles.get(id) ?? '')) return id;
  const any = newestFirst[0];
  return any ? (Object.keys(any.mailboxIds)[0] ?? null) : null;
}

export function threadToChat(
  threadId: string,
  name: string,
  emails: Email[],
  roles: Map<string, string | null>,
  emailIds: string[],
): RemoteChat {
  return {
    remoteId: threadId,
    kind: 'mail',
    name: name || '(no subject)',
    spaceRemoteId: threadSpace(emails, roles),
    unreadCount: emails.filter((e) => !isSeen(e)).length,
    raw: { emailIds },
  };
}

/** The newest email of the thread the user has read ($seen), as a read position. */
export function readPosition(threadId: string, emails: Email[]): RemoteReadPosition | null {
  const seen = emails
    .filter(isSeen)
    .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt));
  return seen[0] ? { chatRemoteId: threadId, messageRemoteId: seen[0].id } : null;
}
