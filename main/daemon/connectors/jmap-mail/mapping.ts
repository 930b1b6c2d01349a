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

/** Named entities common in mail HTML (the rest stay as written). */
const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  amp: '&',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  sbquo: '\u201a',
  bdquo: '\u201e',
  mdash: '\u2014',
  ndash: '\u2013',
  hellip: '\u2026',
  bull: '\u2022',
  middot: '\u00b7',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  euro: '\u20ac',
  pound: '\u00a3',
  deg: '\u00b0',
  zwnj: '',
  zwj: '',
  shy: '',
};

function decodeEntity(entity: string, body: string): string {
  if (body[0] === '#') {
    const code =
      body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1));
    // Not a character (surrogates, beyond Unicode, NUL): leave it as written.
    if (
      !Number.isInteger(code) ||
      code <= 0 ||
      code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff)
    )
      return entity;
    return String.fromCodePoint(code);
  }
  return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? entity;
}

/** Elements whose content is never text a reader sees. */
const HIDDEN_ELEMENTS = new Set(['script', 'style', 'head', 'title']);
const TAG_NAME = /^<(\/?)([A-Za-z][A-Za-z0-9]*)/;

/**
 * Plain text from HTML, only for search and previews when a mail has no text
 * part. Newsletters are mostly HTML-only and full of `&#8217;`, `&rsquo;`,
 * `&mdash;`, a <title> and Outlook's conditional comments: decoded and dropped
 * here, or the chat list's preview and search show them raw. Entities are
 * decoded in one pass, so `&amp;lt;` stays the text `&lt;`.
 *
 * One scan from left to right, never a regex over the whole body with a lazy
 * `[\s\S]*?`: a hostile mail of `<style>` repeated (no closing tag) made the
 * regex version quadratic, ~30 s of the daemon's thread per 1 MB body. An
 * element or comment left open hides the rest, as in a browser.
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      out += ' ';
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) {
      // No tag closes after this point: the rest is text.
      out += html.slice(lt);
      break;
    }
    if (gt === lt + 1) {
      out += '<>';
      i = gt + 1;
      continue;
    }
    const tag = TAG_NAME.exec(html.slice(lt, Math.min(gt, lt + 40)));
    const closing = tag?.[1] === '/';
    const name = tag?.[2]?.toLowerCase() ?? '';
    i = gt + 1;
    if (!closing && HIDDEN_ELEMENTS.has(name)) {
      const close = lower.indexOf(`</${name}`, i);
      const after = close < 0 ? -1 : html.indexOf('>', close);
      out += ' ';
      i = after < 0 ? html.length : after + 1;
    } else if (name === 'br' || (closing && (name === 'p' || name === 'div'))) out += '\n';
    else out += ' ';
  }
  return out
    .replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});/g, decodeEntity)
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
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

/**
 * The newest email of the thread the user has read ($seen), as a read
 * position. $seen lives on the server, so the position is exact: it moves back
 * when a mail is marked unread (here or by another client), and a thread with
 * no $seen mail has none.
 */
export function readPosition(threadId: string, emails: Email[]): RemoteReadPosition {
  const seen = emails
    .filter(isSeen)
    .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt));
  return { chatRemoteId: threadId, messageRemoteId: seen[0]?.id ?? null, exact: true };
}
