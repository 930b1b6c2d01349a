// "Another client" for tests: raw JMAP calls against Cyrus with plain fetch,
// independent of the client under test.
export function otherClient(url: string, user: string, password: string) {
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const using = [
    'urn:ietf:params:jmap:core',
    'urn:ietf:params:jmap:mail',
    'urn:ietf:params:jmap:submission',
  ];
  const call = async (
    name: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url}/jmap/`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ using, methodCalls: [[name, { accountId: user, ...args }, '0']] }),
    });
    const json = (await res.json()) as {
      methodResponses: [string, Record<string, unknown>, string][];
    };
    const [n, a] = json.methodResponses[0]!;
    if (n === 'error') throw new Error(`${name}: ${JSON.stringify(a)}`);
    return a;
  };
  return {
    call,
    /** Injects a raw message with Email/import (upload first), e.g. with a chosen receivedAt. */
    async importMail(
      raw: string,
      {
        receivedAt,
        keywords = {},
        role = 'inbox',
        mailboxId,
      }: {
        receivedAt?: Date;
        keywords?: Record<string, boolean>;
        role?: string;
        /** A mailbox by id (one without a role); else the one with `role`. */
        mailboxId?: string;
      } = {},
    ): Promise<string> {
      const up = await fetch(`${url}/jmap/upload/${user}/`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'message/rfc822' },
        body: raw,
      });
      const { blobId } = (await up.json()) as { blobId: string };
      const boxes = (await call('Mailbox/get', { ids: null })).list as {
        id: string;
        role: string | null;
      }[];
      const box = mailboxId ?? boxes.find((m) => m.role === role)!.id;
      const email: Record<string, unknown> = { blobId, mailboxIds: { [box]: true }, keywords };
      if (receivedAt) email.receivedAt = receivedAt.toISOString().replace(/\.\d+Z$/, 'Z');
      const r = await call('Email/import', { emails: { i: email } });
      const created = (r.created as Record<string, { id: string }> | null)?.i;
      if (!created) throw new Error(`Email/import failed: ${JSON.stringify(r.notCreated)}`);
      return created.id;
    },
    /**
     * The ids of the mails whose subject is exactly `subject`. Not a `subject`
     * filter: Cyrus answers that from its Xapian index, which the squatter
     * fills some time after the mail arrives, so a mail imported a moment
     * before is often not found yet (an empty list, no error).
     */
    async emailIdsWithSubject(subject: string): Promise<string[]> {
      const found: string[] = [];
      for (let position = 0; ;) {
        const ids = (await call('Email/query', { position, limit: 500 })).ids as string[];
        if (ids.length === 0) return found;
        const list = (await call('Email/get', { ids, properties: ['subject'] })).list as {
          id: string;
          subject: string | null;
        }[];
        for (const e of list) if (e.subject === subject) found.push(e.id);
        position += ids.length;
      }
    },
    async mailboxId(role: string): Promise<string | null> {
      const r = await call('Mailbox/get', { ids: null });
      return (
        (r.list as { id: string; role: string | null }[]).find((m) => m.role === role)?.id ?? null
      );
    },
  };
}
