// A real Cyrus with a big account (`mails` mails in threads of ten), seeded
// once over IMAP and then kept under .cache/soak-mail/ for the next runs (the
// seeding takes minutes on a loaded machine; the copy, a second). While the
// app lives, one new mail arrives over LMTP. The app only syncs here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCyrus } from '../../servers/cyrus/cyrusServer.js';
import { otherClient } from '../../servers/cyrus/jmapAdmin.js';
import { seedMailbox } from '../mailSeed.js';
import type { SoakSide } from './side.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const USER = 'soak';
const PASSWORD = 'soak-pw';

/** Where a seeded account of `mails` mails is kept (the version changes when the seed does). */
export const mailCache = (mails: number) => join(ROOT, '.cache', 'soak-mail', `v1-${mails}`);

export async function jmapMailSide(
  mails: number,
  log: (line: string) => void = () => {},
): Promise<SoakSide> {
  const cache = mailCache(mails);
  if (!existsSync(cache)) {
    log(`seeding ${mails} mails into Cyrus (once; kept in ${cache})…`);
    const started = Date.now();
    const seeding = await startCyrus();
    try {
      await seeding.createUser(USER, PASSWORD);
      await seedMailbox({
        imapPort: seeding.imapPort,
        user: USER,
        password: PASSWORD,
        count: mails,
      });
    } finally {
      await seeding.stop({ keepAs: cache });
    }
    log(`  seeded in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const cyrus = await startCyrus({ dataFrom: cache });
  const other = otherClient(cyrus.url, USER, PASSWORD);
  let delivered = 0;
  return {
    account: {
      protocol: 'jmap-mail',
      server: cyrus.url,
      username: USER,
      password: PASSWORD,
      sendTo: null,
    },
    async write() {
      const n = ++delivered;
      await cyrus.deliver(
        USER,
        [
          'From: Live Sender <live@example.org>',
          'To: Soak Tester <soak@localhost>',
          `Subject: Live mail ${n}`,
          `Message-ID: <soak-live-${n}@example.org>`,
          `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
          '',
          `Live mail ${n}.`,
          '',
        ].join('\r\n'),
      );
    },
    async serverMessages() {
      const ids: string[] = [];
      for (;;) {
        const page = await other.call('Email/query', {
          position: ids.length,
          limit: 1000,
          calculateTotal: true,
        });
        ids.push(...(page.ids as string[]));
        if ((page.ids as string[]).length === 0 || ids.length >= (page.total as number))
          return new Map(ids.map((id) => [id, '']));
      }
    },
    counts: () => true,
    describe: () => ({ seeded: mails, delivered }),
    close: () => cyrus.stop(),
  };
}
