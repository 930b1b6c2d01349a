// A mail message as part of its thread: subject, from, to, then the body. HTML
// is sanitized (lib/mailHtml.ts) and shown in a sandboxed frame (no scripts,
// its own CSP); remote images stay blocked until the user loads them.
import { useEffect, useState } from 'react';
import type { MailHeaders } from '../../../main/daemon/api/contract.js';
import type { MessageView } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { MailFrame } from './MailFrame.js';
import { MailText } from './MailText.js';

const addressList = (list: MailHeaders['from']) =>
  list.map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');

export function MailMessage({ message: m }: { message: MessageView }) {
  const client = useClient();
  const [headers, setHeaders] = useState<MailHeaders | null>(null);
  useEffect(() => {
    let live = true;
    client.call('mail.headers', { messageId: m.id }).then(
      (h) => live && setHeaders(h),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, m.id]);

  return (
    <article className="mail" aria-label={m.subject ?? 'Mail'}>
      <header className="mail-head">
        <div className="mail-subject">{m.subject ?? '(no subject)'}</div>
        <dl className="mail-addresses">
          <dt>From</dt>
          <dd>{headers && headers.from.length ? addressList(headers.from) : m.senderName}</dd>
          {headers && headers.to.length ? (
            <>
              <dt>To</dt>
              <dd>{addressList(headers.to)}</dd>
            </>
          ) : null}
          {headers && headers.cc.length ? (
            <>
              <dt>Cc</dt>
              <dd>{addressList(headers.cc)}</dd>
            </>
          ) : null}
        </dl>
      </header>
      {m.deleted ? (
        <div className="message-body deleted">This message was deleted.</div>
      ) : m.html ? (
        <MailFrame html={m.html} title={m.subject ?? 'Mail body'} />
      ) : (
        <MailText text={m.body} />
      )}
    </article>
  );
}
