// Fills a Cyrus mailbox with thousands of mails quickly: one IMAP connection,
// every APPEND sent at once with non-synchronising literals (LITERAL+, which
// Cyrus offers), then the tagged answers counted. One LMTP delivery per mail
// would take minutes on a loaded machine; this takes seconds. The mails come
// in threads (a first mail and its replies, by References), so the account
// has both many chats and chats with several messages.
import { connect } from 'node:net';

export interface SeedOptions {
  imapPort: number;
  user: string;
  password: string;
  count: number;
  /** Mails per thread (the first one and its replies). */
  perThread?: number;
}

/** The raw RFC 5322 text of seeded mail `n` (0-based). */
export function seededMail(n: number, perThread: number): string {
  const thread = Math.floor(n / perThread);
  const first = thread * perThread;
  const reply = n !== first;
  // A minute apart, in order, ending a day before now (so live mail is newer).
  const date = new Date(Date.now() - 86_400_000 - (100_000 - n) * 60_000).toUTCString();
  return [
    `From: Sender ${thread % 50} <sender${thread % 50}@example.org>`,
    'To: Soak Tester <soak@localhost>',
    `Subject: ${reply ? 'Re: ' : ''}Soak thread ${thread}`,
    `Message-ID: <soak-${n}@example.org>`,
    ...(reply
      ? [`In-Reply-To: <soak-${first}@example.org>`, `References: <soak-${first}@example.org>`]
      : []),
    `Date: ${date.replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Seeded mail ${n} in thread ${thread}.`,
    '',
  ].join('\r\n');
}

export async function seedMailbox(o: SeedOptions): Promise<void> {
  const perThread = o.perThread ?? 10;
  const socket = connect(o.imapPort, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  let wake = () => {};
  socket.on('data', (d: string) => {
    buffer += d;
    wake();
  });
  const closed = new Promise<never>((_, reject) => {
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`IMAP closed: ${buffer.slice(-300)}`)));
  });
  closed.catch(() => undefined);
  /** Waits until `re` matches the unread input; drops what came before the match's line end. */
  const expect = async (re: RegExp, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(buffer);
      if (m) {
        const end = buffer.indexOf('\n', m.index);
        buffer = end < 0 ? '' : buffer.slice(end + 1);
        return;
      }
      if (/^\S+ (NO|BAD) .*$/m.test(buffer))
        throw new Error(`IMAP refused: ${/^\S+ (NO|BAD) .*$/m.exec(buffer)![0]}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`IMAP: timed out waiting for ${re}: ${buffer.slice(-300)}`);
      await Promise.race([
        new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.min(left, 1000));
        }),
        closed,
      ]);
    }
  };
  try {
    await expect(/^\* OK/m);
    socket.write(`a LOGIN ${o.user} ${o.password}\r\n`);
    await expect(/^a OK/m);
    // In slices, so the answers are counted as they come (and a refusal is seen early).
    const SLICE = 250;
    for (let start = 0; start < o.count; start += SLICE) {
      const end = Math.min(o.count, start + SLICE);
      let out = '';
      for (let n = start; n < end; n++) {
        const raw = seededMail(n, perThread);
        out += `s${n} APPEND INBOX (\\Seen) {${Buffer.byteLength(raw)}+}\r\n${raw}\r\n`;
      }
      socket.write(out);
      await expect(new RegExp(`^s${end - 1} OK`, 'm'), 120_000);
    }
    socket.write('z LOGOUT\r\n');
    await expect(/^z OK/m);
  } finally {
    socket.destroy();
  }
}
