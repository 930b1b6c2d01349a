// Outbox writes for JMAP Mail: keywords ($seen, $flagged), moves, delete (to
// Trash; from Trash, destroy), and sending (Email/set in Drafts +
// EmailSubmission/set with the account's identity, moved to Sent on success)
// or keeping a draft on the server. The outbox idempotency key becomes the
// Message-ID, so a retry after a lost answer finds the mail it already made.
import type { ConnectorContext, WriteResult } from '../connector.js';
import { PermanentError } from '../errors.js';
import { parseArgs } from '../jmap/client.js';
import { checkSet, JmapMethodError } from '../jmap/errors.js';
import { GetResponseSchema } from '../jmap/wire.js';
import type { MailAddress, MailDraft } from '../../model/ops.js';
import type { OperationTable } from '../operations.js';
import { messageIdFor } from './mapping.js';
import { ensureMailbox, loadMailboxes, mailboxByRole, type MailSession } from './transport.js';
import { EmailSchema, type Email, type EmailAddress } from './wire.js';

type Patch = Record<string, unknown>;

async function update(
  s: MailSession,
  ctx: ConnectorContext,
  patches: Record<string, Patch>,
): Promise<void> {
  if (Object.keys(patches).length === 0) return;
  const limit = s.client.session.core.maxObjectsInSet;
  const entries = Object.entries(patches);
  for (let i = 0; i < entries.length; i += limit)
    checkSet(
      await s.client.set(
        'Email',
        { accountId: s.accountId, update: Object.fromEntries(entries.slice(i, i + limit)) },
        ctx.signal,
      ),
      'Email/set',
    );
}

async function emails(
  s: MailSession,
  ctx: ConnectorContext,
  ids: string[],
  properties: string[],
): Promise<Email[]> {
  const r = await s.client.get(
    'Email',
    s.accountId,
    ids,
    { properties: ['id', 'threadId', 'mailboxIds', 'receivedAt', ...properties] },
    ctx.signal,
  );
  return r.list.map((e) => parseArgs(EmailSchema, 'Email/get', e));
}

/** The emails of a thread (oldest first), up to and including `uptoId`. */
async function threadUpTo(
  s: MailSession,
  ctx: ConnectorContext,
  threadId: string,
  uptoId: string,
): Promise<string[]> {
  const t = parseArgs(
    GetResponseSchema,
    'Thread/get',
    await s.client.call('Thread/get', { accountId: s.accountId, ids: [threadId] }, ctx.signal),
  );
  const ids = (t.list[0]?.emailIds as string[] | undefined) ?? [uptoId];
  const i = ids.indexOf(uptoId);
  return i < 0 ? [uptoId] : ids.slice(0, i + 1);
}

async function moveTo(
  s: MailSession,
  ctx: ConnectorContext,
  ids: string[],
  mailboxId: string,
): Promise<void> {
  await update(
    s,
    ctx,
    Object.fromEntries(ids.map((id) => [id, { mailboxIds: { [mailboxId]: true } }])),
  );
}

async function remove(s: MailSession, ctx: ConnectorContext, ids: string[]): Promise<void> {
  const trash = mailboxByRole(s, 'trash')?.id ?? (await ensureMailbox(s, 'trash', ctx.signal));
  const list = await emails(s, ctx, ids, []);
  const inTrash = list.filter((e) => e.mailboxIds[trash]).map((e) => e.id);
  const elsewhere = list.filter((e) => !e.mailboxIds[trash]).map((e) => e.id);
  await moveTo(s, ctx, elsewhere, trash);
  if (inTrash.length)
    checkSet(
      await s.client.set('Email', { accountId: s.accountId, destroy: inTrash }, ctx.signal),
      'Email/set',
    );
}

const same = (a: EmailAddress | MailAddress, b: string) => (a.email ?? '').toLowerCase() === b;
const addr = (a: EmailAddress): MailAddress => ({ name: a.name ?? null, email: a.email ?? '' });

/** Builds the Email/set create object for a draft or a mail to send. */
async function compose(
  s: MailSession,
  ctx: ConnectorContext,
  d: MailDraft,
  key: string,
  draftsId: string,
  { draft = false }: { draft?: boolean } = {},
): Promise<Record<string, unknown>> {
  let to = d.to ?? [];
  let cc = d.cc ?? [];
  let subject = d.subject ?? '';
  let inReplyTo: string[] | null = null;
  let references: string[] | null = null;
  if (d.mode !== 'new') {
    let originalId = d.replyToRemoteId ?? null;
    if (!originalId && d.chatRemoteId) {
      const t = parseArgs(
        GetResponseSchema,
        'Thread/get',
        await s.client.call(
          'Thread/get',
          { accountId: s.accountId, ids: [d.chatRemoteId] },
          ctx.signal,
        ),
      );
      const ids = (t.list[0]?.emailIds as string[] | undefined) ?? [];
      originalId = ids[ids.length - 1] ?? null;
    }
    if (!originalId) throw new PermanentError('nothing to reply to');
    const [orig] = await emails(
      s,
      ctx,
      [originalId],
      ['from', 'replyTo', 'to', 'cc', 'subject', 'messageId', 'inReplyTo', 'references'],
    );
    if (!orig) throw new PermanentError('the mail to reply to is gone');
    const me = s.selfAddress;
    const fromOrig = (orig.replyTo?.length ? orig.replyTo : orig.from) ?? [];
    const fromMe = (orig.from ?? []).some((a) => same(a, me));
    if (!d.to?.length) to = (fromMe ? (orig.to ?? []) : fromOrig).map(addr);
    if (d.mode === 'replyAll' && !d.cc?.length) {
      const taken = new Set([me, ...to.map((a) => a.email.toLowerCase())]);
      cc = [...(orig.to ?? []), ...(orig.cc ?? [])]
        .filter(
          (a) =>
            a.email &&
            !taken.has(a.email.toLowerCase()) &&
            (taken.add(a.email.toLowerCase()), true),
        )
        .map(addr);
    }
    if (!d.subject)
      subject = /^re:/i.test(orig.subject ?? '')
        ? (orig.subject ?? '')
        : `Re: ${orig.subject ?? ''}`;
    inReplyTo = orig.messageId ?? null;
    // RFC 5322 §3.6.4: the parent's References, or when it has none its
    // In-Reply-To (a single id), then its Message-ID. Without the parent's
    // parent, clients that thread by References split the conversation.
    const ancestors = orig.references?.length
      ? orig.references
      : orig.inReplyTo?.length === 1
        ? orig.inReplyTo
        : [];
    references = [...ancestors, ...(orig.messageId ?? [])];
    if (references.length === 0) references = null;
  }
  if (!draft && to.length + cc.length + (d.bcc?.length ?? 0) === 0)
    throw new PermanentError('a mail needs at least one recipient');
  const email: Record<string, unknown> = {
    mailboxIds: { [draftsId]: true },
    keywords: { $draft: true, $seen: true },
    from: [{ name: s.identity?.name || null, email: s.selfAddress }],
    to,
    subject,
    messageId: [messageIdFor(key, s.messageIdHost)],
    bodyValues: { t: { value: d.body } },
    textBody: [{ partId: 't', type: 'text/plain' }],
  };
  if (cc.length) email.cc = cc;
  // A draft remembers its Bcc; a mail to send never carries it (Cyrus would
  // deliver the header to every recipient): Bcc goes only into the envelope.
  if (d.bcc?.length && draft) email.bcc = d.bcc;
  if (inReplyTo) email.inReplyTo = inReplyTo;
  if (references) email.references = references;
  if (d.html) {
    (email.bodyValues as Record<string, unknown>).h = { value: d.html };
    email.htmlBody = [{ partId: 'h', type: 'text/html' }];
  }
  return email;
}

/**
 * The SMTP envelope when the mail has Bcc recipients (who are in no header, so
 * the server cannot derive them); null lets the server use To and Cc.
 */
function envelopeFor(s: MailSession, d: MailDraft, email: Record<string, unknown>) {
  if (!d.bcc?.length) return null;
  const rcpt = new Map<string, { email: string }>();
  for (const a of [
    ...((email.to as MailAddress[] | undefined) ?? []),
    ...((email.cc as MailAddress[] | undefined) ?? []),
    ...d.bcc,
  ])
    if (a.email) rcpt.set(a.email.toLowerCase(), { email: a.email });
  return { mailFrom: { email: s.selfAddress }, rcptTo: [...rcpt.values()] };
}

/** A mail this key already made (a retry after a lost answer), if any. */
async function existing(s: MailSession, ctx: ConnectorContext, key: string): Promise<Email | null> {
  const header = ['Message-ID', `<${messageIdFor(key, s.messageIdHost)}>`];
  const q = await s.client.query(
    'Email',
    { accountId: s.accountId, filter: { header } },
    ctx.signal,
  );
  if (!q.ids.length) return null;
  return (await emails(s, ctx, q.ids.slice(0, 1), ['keywords']))[0] ?? null;
}

const creationId = (key: string) => key.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 200) || 'c';

async function send(
  s: MailSession,
  ctx: ConnectorContext,
  d: MailDraft,
  key: string,
): Promise<WriteResult> {
  const drafts = await ensureMailbox(s, 'drafts', ctx.signal);
  const sent = await ensureMailbox(s, 'sent', ctx.signal);
  const identityId = s.identity?.id;
  if (!identityId) throw new PermanentError('this account has no identity to send from');
  const onSuccess = {
    [`mailboxIds/${drafts}`]: null,
    [`mailboxIds/${sent}`]: true,
    'keywords/$draft': null,
  };
  const already = await existing(s, ctx, key);
  if (already && !already.keywords?.$draft) return { remoteId: already.id };
  const c = creationId(key);
  const calls: [string, Record<string, unknown>, string][] = [];
  let emailRef: string;
  const email = await compose(s, ctx, d, key, drafts);
  if (already) {
    emailRef = already.id; // made but not submitted: submit it now
  } else {
    calls.push(['Email/set', { accountId: s.accountId, create: { [c]: email } }, 'e']);
    emailRef = `#${c}`;
  }
  const envelope = envelopeFor(s, d, email);
  calls.push([
    'EmailSubmission/set',
    {
      accountId: s.accountId,
      create: { s: { identityId, emailId: emailRef, ...(envelope ? { envelope } : {}) } },
      onSuccessUpdateEmail: { '#s': onSuccess },
    },
    's',
  ]);
  const res = await s.client.request(calls, ctx.signal);
  let emailId = already?.id ?? null;
  if (!already) {
    const e = res.get('e', 'Email/set');
    const created = (e.created as Record<string, { id: string }> | null)?.[c];
    if (!created) {
      const err = (e.notCreated as Record<string, { type: string; description?: string }> | null)?.[
        c
      ];
      throw new JmapMethodError(err?.type ?? 'notCreated', 'Email/set', err?.description);
    }
    emailId = created.id;
  }
  const sub = res.get('s', 'EmailSubmission/set');
  const notCreated = (
    sub.notCreated as Record<string, { type: string; description?: string }> | null
  )?.s;
  if (notCreated)
    throw new JmapMethodError(notCreated.type, 'EmailSubmission/set', notCreated.description);
  if (d.draftRemoteId && d.draftRemoteId !== emailId)
    await s.client
      .set('Email', { accountId: s.accountId, destroy: [d.draftRemoteId] }, ctx.signal)
      .catch(() => undefined);
  return { remoteId: emailId };
}

async function saveDraft(
  s: MailSession,
  ctx: ConnectorContext,
  d: MailDraft & { replaceDraftRemoteId?: string | null },
  key: string,
): Promise<WriteResult> {
  const drafts = await ensureMailbox(s, 'drafts', ctx.signal);
  const already = await existing(s, ctx, key);
  if (already) return { remoteId: already.id };
  const c = creationId(key);
  const email = await compose(s, ctx, d, key, drafts, { draft: true });
  const r = await s.client.set(
    'Email',
    {
      accountId: s.accountId,
      create: { [c]: email },
      ...(d.replaceDraftRemoteId ? { destroy: [d.replaceDraftRemoteId] } : {}),
    },
    ctx.signal,
  );
  const id = r.created?.[c]?.id;
  if (!id) {
    const err = r.notCreated?.[c];
    throw new JmapMethodError(err?.type ?? 'notCreated', 'Email/set', err?.description);
  }
  return { remoteId: id };
}

/** Mailboxes are looked up by role: the first write of a session loads them. */
export async function ensureMailboxesLoaded(s: MailSession, signal: AbortSignal): Promise<void> {
  if (s.mailboxes.size === 0) await loadMailboxes(s, signal);
}

/** The outbox operations JMAP Mail handles. No edit (a sent mail is final), no reactions. */
export const jmapMailOperations = {
  read: async (s, op, _key, ctx) => {
    s.seenWrittenAt.set(op.chatRemoteId, performance.now());
    const ids = await threadUpTo(s, ctx, op.chatRemoteId, op.messageRemoteId);
    await update(s, ctx, Object.fromEntries(ids.map((id) => [id, { 'keywords/$seen': true }])));
    return {};
  },
  mailKeyword: async (s, op, _key, ctx) => {
    if (op.keyword === '$seen') s.seenWrittenAt.set(op.chatRemoteId, performance.now());
    await update(
      s,
      ctx,
      Object.fromEntries(
        op.messageRemoteIds.map((id) => [
          id,
          { [`keywords/${op.keyword}`]: op.value ? true : null },
        ]),
      ),
    );
    return {};
  },
  mailMove: async (s, op, _key, ctx) => {
    const target =
      op.toSpaceRemoteId ?? (op.toRole ? await ensureMailbox(s, op.toRole, ctx.signal) : null);
    if (!target) throw new PermanentError('a move needs a target mailbox');
    await moveTo(s, ctx, op.messageRemoteIds, target);
    return {};
  },
  delete: async (s, op, _key, ctx) => {
    await remove(s, ctx, [op.messageRemoteId]);
    return {};
  },
  mailDelete: async (s, op, _key, ctx) => {
    await remove(s, ctx, op.messageRemoteIds);
    return {};
  },
  // A chat-style send in a mail thread is a reply to the thread.
  send: (s, op, key, ctx) =>
    send(
      s,
      ctx,
      {
        chatRemoteId: op.chatRemoteId,
        mode: 'reply',
        replyToRemoteId: op.replyToRemoteId ?? null,
        body: op.body,
      },
      key,
    ),
  mailSend: (s, op, key, ctx) => send(s, ctx, op, key),
  mailSaveDraft: (s, op, key, ctx) => saveDraft(s, ctx, op, key),
} satisfies OperationTable<MailSession>;
