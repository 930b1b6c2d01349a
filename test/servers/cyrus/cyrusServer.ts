// Starts a throw-away Cyrus IMAP (Debian's cyrus-imapd + cyrus-caldav) with
// JMAP on loopback, in a temp folder, on free high ports. `master` is spawned
// from here (no -d), so this harness owns its pid and stops it by pid.
// Recipe: ../shared/protocols/jmap-mail/start-cyrus-jmap.example.sh.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  renameSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/cyrus/bin';

export interface CyrusOptions {
  /** Where EmailSubmission relays (an SMTP sink on loopback). */
  smtpPort?: number;
  adminPassword?: string;
  /**
   * A folder `stop({ keepAs })` saved: its users and mail are copied in, so a
   * big account is seeded once and reused (the soak's 5,000 mails).
   */
  dataFrom?: string;
}

/** What of a Cyrus folder holds its users and mail (the rest is config, sockets and logs). */
const DATA_DIRS = ['conf', 'spool', 'search', 'sieve'];

export interface CyrusServer {
  readonly baseDir: string;
  readonly pid: number;
  readonly httpPort: number;
  readonly imapPort: number;
  readonly lmtpPort: number;
  /** e.g. http://127.0.0.1:PORT — the JMAP server origin. */
  readonly url: string;
  createUser(name: string, password: string): Promise<void>;
  /** Delivers a raw RFC 5322 message to the user's INBOX over LMTP (arrives unread). */
  deliver(user: string, raw: string, from?: string): Promise<void>;
  /** Stops it; with `keepAs`, its users and mail are saved there first (for `dataFrom`). */
  stop(options?: { keepAs?: string }): Promise<void>;
}

export function cyrusInstalled(): boolean {
  return existsSync(join(BIN, 'master')) && existsSync(join(BIN, 'httpd'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

function cyrusIds(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(spawnSync('id', ['-u', 'cyrus']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'cyrus']).stdout.toString().trim());
  return { user: 'cyrus', uid, gid };
}

/** Sends lines to a line-based server and waits for each expected reply. */
async function converse(port: number, steps: { send?: string; expect: RegExp }[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const failed = new Promise<never>((_, reject) => {
    socket.once('error', reject);
    socket.once('close', () =>
      reject(new Error(`connection closed; last reply: ${buffer.slice(-300)}`)),
    );
  });
  failed.catch(() => undefined);
  try {
    for (const step of steps) {
      if (step.send !== undefined) socket.write(step.send);
      const deadline = Date.now() + 10_000;
      while (!step.expect.test(buffer)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${step.expect}: ${buffer.slice(-300)}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), failed]);
      }
      buffer = '';
    }
  } finally {
    socket.destroy();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Cyrus: ${what} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function saslpasswd(base: string, user: string, password: string): void {
  const r = spawnSync(
    'saslpasswd2',
    ['-p', '-c', '-f', join(base, 'conf/sasldb2'), '-u', 'localhost', user],
    {
      input: password,
    },
  );
  if (r.status !== 0) throw new Error(`saslpasswd2 failed: ${r.stderr.toString()}`);
}

export async function startCyrus(options: CyrusOptions = {}): Promise<CyrusServer> {
  if (!cyrusInstalled())
    throw new Error('cyrus-imapd / cyrus-caldav are not installed (npm run setup:test)');
  const adminPassword = options.adminPassword ?? 'adminpw';
  const [httpPort, imapPort, lmtpPort] = [await freePort(), await freePort(), await freePort()];
  const smtpPort = options.smtpPort ?? (await freePort());
  const B = mkdtempSync(join(tmpdir(), 'parley-cyrus-'));
  for (const d of ['spool', 'run', 'sieve', 'log', 'search'])
    mkdirSync(join(B, d), { recursive: true });
  if (options.dataFrom)
    for (const d of DATA_DIRS) cpSync(join(options.dataFrom, d), join(B, d), { recursive: true });
  for (const d of ['db', 'socket', 'log', 'msg', 'user', 'quota', 'lock'])
    mkdirSync(join(B, 'conf', d), { recursive: true });
  const ids = cyrusIds();
  const runUser =
    ids?.user ?? (process.env.USER || spawnSync('id', ['-un']).stdout.toString().trim());
  writeFileSync(
    join(B, 'imapd.conf'),
    `configdirectory: ${B}/conf
partition-default: ${B}/spool
defaultpartition: default
sievedir: ${B}/sieve
proc_path: ${B}/run/proc
mboxname_lockpath: ${B}/run/lock
lmtpsocket: ${B}/run/lmtp
idlesocket: ${B}/run/idle
notifysocket: ${B}/run/notify
servername: localhost
cyrus_user: ${runUser}
admins: admin
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${B}/conf/sasldb2
sasl_mech_list: PLAIN LOGIN
unixhierarchysep: no
altnamespace: no
virtdomains: off
httpmodules: jmap
httpallowcompress: no
conversations: yes
conversations_db: twoskip
jmap_pushpoll: 1s
syslog_prefix: parleytest
smtp_backend: host
smtp_host: 127.0.0.1:${smtpPort}
autocreate_quota: 0
autocreate_post: yes
lmtp_downcase_rcpt: yes
search_engine: xapian
search_index_headers: yes
defaultsearchtier: t1
t1searchpartition-default: ${B}/search
sync_log: yes
sync_log_channels: squatter
`,
  );
  writeFileSync(
    join(B, 'cyrus.conf'),
    `START {
  recover  cmd="${BIN}/ctl_cyrusdb -C ${B}/imapd.conf -r"
}
SERVICES {
  imap     cmd="${BIN}/imapd -C ${B}/imapd.conf" listen="127.0.0.1:${imapPort}" prefork=0
  http     cmd="${BIN}/httpd -C ${B}/imapd.conf" listen="127.0.0.1:${httpPort}" prefork=0
  lmtp     cmd="${BIN}/lmtpd -C ${B}/imapd.conf -a" listen="127.0.0.1:${lmtpPort}" prefork=0
}
DAEMON {
  squatter cmd="${BIN}/squatter -C ${B}/imapd.conf -R -d"
}
EVENTS {
  checkpoint cmd="${BIN}/ctl_cyrusdb -C ${B}/imapd.conf -c" period=30
}
`,
  );
  saslpasswd(B, 'admin', adminPassword);
  if (ids) chownTree(B, ids.uid, ids.gid);
  chmodSync(join(B, 'conf/sasldb2'), 0o640);

  const child: ChildProcess = spawn(
    join(BIN, 'master'),
    [
      '-C',
      join(B, 'imapd.conf'),
      '-M',
      join(B, 'cyrus.conf'),
      '-p',
      join(B, 'run/master.pid'),
      '-L',
      join(B, 'log/master.log'),
    ],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn Cyrus master');
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );

  const stop = async ({ keepAs }: { keepAs?: string } = {}) => {
    if (!exited) {
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    if (keepAs && !existsSync(keepAs)) {
      // Beside it first, then renamed: another process never sees half a copy.
      const partial = `${keepAs}.partial-${process.pid}`;
      mkdirSync(partial, { recursive: true });
      for (const d of DATA_DIRS) cpSync(join(B, d), join(partial, d), { recursive: true });
      try {
        renameSync(partial, keepAs);
      } catch {
        rmSync(partial, { recursive: true, force: true }); // another process saved it first
      }
    }
    rmSync(B, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor(async () => !exited && (await fetch(`${url}/`)).status > 0, 'http');
    await waitFor(async () => {
      await converse(imapPort, [{ expect: /^\* OK/m }, { send: 'a LOGOUT\r\n', expect: /^a OK/m }]);
      return true;
    }, 'imap');
  } catch (err) {
    await stop();
    throw err;
  }

  const createUser = async (name: string, password: string) => {
    saslpasswd(B, name, password);
    if (ids) chownSync(join(B, 'conf/sasldb2'), ids.uid, ids.gid);
    await converse(imapPort, [
      { expect: /^\* OK/m },
      { send: `a LOGIN admin ${adminPassword}\r\n`, expect: /^a OK/m },
      { send: `b CREATE user.${name}\r\n`, expect: /^b OK/m },
      { send: 'c LOGOUT\r\n', expect: /^c OK/m },
    ]);
  };

  const deliver = async (user: string, raw: string, from = 'sender@example.org') => {
    const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    await converse(lmtpPort, [
      { expect: /^220 /m },
      { send: 'LHLO localhost\r\n', expect: /^250 /m },
      { send: `MAIL FROM:<${from}>\r\n`, expect: /^250 /m },
      { send: `RCPT TO:<${user}>\r\n`, expect: /^250 /m },
      { send: 'DATA\r\n', expect: /^354 /m },
      { send: `${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, expect: /^250 /m },
      { send: 'QUIT\r\n', expect: /^221 /m },
    ]);
  };

  return { baseDir: B, pid, httpPort, imapPort, lmtpPort, url, createUser, deliver, stop };
}
