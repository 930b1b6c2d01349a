// The JMAP Mail account session: a JmapClient signed in with HTTP Basic (Cyrus
// and most JMAP mail servers; the password is what the keychain keeps), the
// mail account id, the mailboxes by role and the sending identity.
import { basicAuth, JmapClient, parseArgs, type JmapClientOptions } from '../jmap/client.js';
import { JmapMethodError } from '../jmap/errors.js';
import { ProtocolError } from '../errors.js';
import { GetResponseSchema } from '../jmap/wire.js';
import {
  IdentitySchema,
  MailboxSchema,
  MAIL,
  SUBMISSION,
  type Identity,
  type Mailbox,
} from './wire.js';

export interface MailSession {
  readonly client: JmapClient;
  readonly accountId: string;
  readonly authorization: string;
  /** The address we send from and recognise as ourselves. */
  readonly selfAddress: string;
  /** Mailboxes as last read; refreshed by each sync. */
  mailboxes: Map<string, Mailbox>;
  identity: Identity | null;
  /** Domain for Message-IDs we generate. */
  readonly messageIdHost: string;
  /**
   * When this session last began changing a thread's $seen (performance.now()):
   * a read position from an answer asked for before that may predate our write.
   */
  readonly seenWrittenAt: Map<string, number>;
}

export interface MailTransportOptions {
  fetch?: JmapClientOptions['fetch'];
  /** Appended to a username without '@' to form the user's address when the server's identity has none. */
  defaultMailDomain?: string;
}

function defaultDomain(server: string): string {
  const host = new URL(server).hostname;
  return /^(\d+\.){3}\d+$|^\[|^localhost$/.test(host) ? 'localhost' : host;
}

export async function openMailSession(
  server: string,
  username: string,
  password: string,
  options: MailTransportOptions,
  signal?: AbortSignal,
): Promise<MailSession> {
  const authorization = basicAuth(username, password);
  const client = await JmapClient.connect(
    { server, authorization, using: [MAIL, SUBMISSION], fetch: options.fetch },
    signal,
  ).catch(async (err: unknown) => {
    // A server without submission can still be read.
    if (err instanceof ProtocolError && err.message.includes(SUBMISSION))
      return JmapClient.connect(
        { server, authorization, using: [MAIL], fetch: options.fetch },
        signal,
      );
    throw err;
  });
  const accountId = client.session.accountFor(MAIL);
  if (!accountId) throw new ProtocolError('the JMAP session has no mail account');
  const identity = await readIdentity(client, accountId, signal);
  const domain = options.defaultMailDomain ?? defaultDomain(server);
  const selfAddress = (
    identity?.email || (username.includes('@') ? username : `${username}@${domain}`)
  ).toLowerCase();
  return {
    client,
    accountId,
    authorization,
    selfAddress,
    mailboxes: new Map(),
    identity,
    messageIdHost: selfAddress.split('@')[1] || domain,
    seenWrittenAt: new Map(),
  };
}

async function readIdentity(
  client: JmapClient,
  accountId: string,
  signal?: AbortSignal,
): Promise<Identity | null> {
  if (!client.session.hasCapability(SUBMISSION)) return null;
  // Cyrus 3.6 sometimes answers accountNotSupportedByMethod for an explicit
  // accountId on a fresh account; the default account works.
  for (const args of [{ accountId }, {}]) {
    try {
      const r = parseArgs(
        GetResponseSchema,
        'Identity/get',
        await client.call('Identity/get', args, signal),
      );
      const first = r.list.map((i) => IdentitySchema.safeParse(i)).find((p) => p.success);
      if (first?.success) return first.data;
      return null;
    } catch (err) {
      if (!(err instanceof JmapMethodError)) throw err;
    }
  }
  return null;
}

/** Reads all mailboxes into the session. */
export async function loadMailboxes(
  s: MailSession,
  signal?: AbortSignal,
): Promise<{ list: Mailbox[]; state: string }> {
  const r = await s.client.get('Mailbox', s.accountId, null, {}, signal);
  const list = r.list.map((m) => parseArgs(MailboxSchema, 'Mailbox/get', m));
  s.mailboxes = new Map(list.map((m) => [m.id, m]));
  return { list, state: r.state };
}

export function roleMap(s: MailSession): Map<string, string | null> {
  return new Map([...s.mailboxes.values()].map((m) => [m.id, m.role ?? null]));
}

export function mailboxByRole(s: MailSession, role: string): Mailbox | null {
  for (const m of s.mailboxes.values()) if (m.role === role) return m;
  return null;
}

const ROLE_NAMES: Record<string, string> = {
  drafts: 'Drafts',
  sent: 'Sent',
  trash: 'Trash',
  archive: 'Archive',
  junk: 'Junk',
  inbox: 'Inbox',
};

/** The mailbox with a role, created when the account has none yet (a fresh Cyrus account has only INBOX). */
export async function ensureMailbox(
  s: MailSession,
  role: string,
  signal?: AbortSignal,
): Promise<string> {
  const found = mailboxByRole(s, role);
  if (found) return found.id;
  await loadMailboxes(s, signal);
  const again = mailboxByRole(s, role);
  if (again) return again.id;
  const r = await s.client.set(
    'Mailbox',
    {
      accountId: s.accountId,
      create: { m: { name: ROLE_NAMES[role] ?? role, role, parentId: null } },
    },
    signal,
  );
  const id = r.created?.m?.id;
  if (!id) {
    const e = r.notCreated?.m;
    throw new JmapMethodError(
      e?.type ?? 'notCreated',
      'Mailbox/set',
      `could not create the ${role} mailbox: ${e?.description ?? ''}`,
    );
  }
  await loadMailboxes(s, signal);
  return id;
}
