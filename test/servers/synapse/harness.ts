// A real Synapse for tests: installed from PyPI into .cache/synapse-venv by
// scripts/setup-test-env.sh, started here on 127.0.0.1 with a temporary data
// dir and the test overrides (../shared/protocols/matrix/README.md), stopped
// by pid. With SYNAPSE_URL (and SYNAPSE_SHARED_SECRET) set, a running one is
// reused instead (see scripts/synapse-start.mjs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SYNAPSE_PYTHON = join(ROOT, '.cache', 'synapse-venv', 'bin', 'python');
export const SERVER_NAME = 'localhost';

export interface SynapseOptions {
  /** Keep the data here (reused across restarts); a temp dir otherwise. */
  dataDir?: string;
  port?: number;
  /** Extra homeserver config, merged over the test overrides. */
  overrides?: Record<string, unknown>;
}

export interface RegisteredUser {
  userId: string;
  localpart: string;
  password: string;
  accessToken: string;
}

/** Every rate limit Synapse has, raised so tests never trip one by accident. */
function relaxedRateLimits(): Record<string, unknown> {
  const open = { per_second: 10_000, burst_count: 100_000 };
  return {
    rc_message: open,
    rc_registration: open,
    rc_registration_token_validity: open,
    rc_login: { address: open, account: open, failed_attempts: open },
    rc_joins: { local: open, remote: open },
    rc_joins_per_room: open,
    rc_invites: { per_room: open, per_user: open, per_issuer: open },
    rc_3pid_validation: open,
    rc_admin_redaction: open,
    rc_presence: { per_user: open },
    rc_media_create: open,
    rc_delayed_event_mgmt: open,
    rc_reports: open,
    rc_room_creation: open,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolvePort(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export class Synapse {
  private child: ChildProcess | null = null;
  private readonly ownsDataDir: boolean;
  readonly dataDir: string;
  readonly url: string;

  private constructor(
    readonly port: number,
    dataDir: string | null,
    readonly sharedSecret: string,
    private readonly overrides: Record<string, unknown>,
    readonly external: boolean,
    url?: string,
  ) {
    this.ownsDataDir = dataDir === null;
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'parley-synapse-'));
    this.url = url ?? `http://127.0.0.1:${port}`;
  }

  /** Starts one (or attaches to SYNAPSE_URL) and waits until it answers. */
  static async start(options: SynapseOptions = {}): Promise<Synapse> {
    const external = process.env.SYNAPSE_URL;
    if (external) {
      const secret = process.env.SYNAPSE_SHARED_SECRET ?? readSharedSecretFile();
      if (!secret) throw new Error('SYNAPSE_URL is set but SYNAPSE_SHARED_SECRET is not');
      const s = new Synapse(0, '', secret, {}, true, external.replace(/\/$/, ''));
      await s.waitReady(30_000);
      return s;
    }
    if (!existsSync(SYNAPSE_PYTHON))
      throw new Error(
        `Synapse is not installed at ${SYNAPSE_PYTHON}: run bash scripts/setup-test-env.sh`,
      );
    const port = options.port ?? (await freePort());
    const s = new Synapse(
      port,
      options.dataDir ?? null,
      'parley-test-shared-secret',
      options.overrides ?? {},
      false,
    );
    s.writeConfig();
    await s.launch();
    return s;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private writeConfig(): void {
    const d = this.dataDir;
    mkdirSync(d, { recursive: true });
    if (!existsSync(join(d, 'homeserver.yaml'))) {
      const gen = spawnSync(
        SYNAPSE_PYTHON,
        [
          '-m',
          'synapse.app.homeserver',
          '--server-name',
          SERVER_NAME,
          '--config-path',
          join(d, 'homeserver.yaml'),
          '--data-directory',
          d,
          '--generate-config',
          '--report-stats=no',
        ],
        { cwd: d, encoding: 'utf8' },
      );
      if (gen.status !== 0) throw new Error(`synapse --generate-config failed: ${gen.stderr}`);
    }
    writeFileSync(
      join(d, 'log.yaml'),
      [
        'version: 1',
        'formatters: {precise: {format: "%(asctime)s %(levelname)s %(name)s %(message)s"}}',
        `handlers: {file: {class: logging.FileHandler, formatter: precise, filename: "${join(d, 'homeserver.log')}"}}`,
        'root: {level: WARNING, handlers: [file]}',
        'disable_existing_loggers: false',
        '',
      ].join('\n'),
    );
    // JSON is YAML: the second --config-path overrides the generated file key by key.
    const test = {
      listeners: [
        {
          port: this.port,
          bind_addresses: ['127.0.0.1'],
          type: 'http',
          tls: false,
          x_forwarded: false,
          resources: [{ names: ['client'], compress: false }],
        },
      ],
      public_baseurl: `${this.url}/`,
      database: { name: 'sqlite3', args: { database: join(d, 'homeserver.db') } },
      log_config: join(d, 'log.yaml'),
      pid_file: join(d, 'homeserver.pid'),
      media_store_path: join(d, 'media_store'),
      // The generated homeserver.yaml names the key by the directory it was
      // generated in: a copied data dir (the benchmark's cached servers) must
      // use its own.
      signing_key_path: join(d, `${SERVER_NAME}.signing.key`),
      enable_registration: true,
      enable_registration_without_verification: true,
      registration_shared_secret: this.sharedSecret,
      bcrypt_rounds: 4,
      trusted_key_servers: [],
      suppress_key_server_warning: true,
      report_stats: false,
      // Link previews on, as a real homeserver has them. TEST-ONLY: 127.0.0.1 is
      // let through the blacklist so a test can preview a page it serves itself
      // on loopback; a real deployment must never allow loopback or private
      // ranges (a preview fetch is a request the server makes for any user).
      url_preview_enabled: true,
      url_preview_ip_range_blacklist: [
        '127.0.0.0/8',
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '100.64.0.0/10',
        '169.254.0.0/16',
        '::1/128',
        'fe80::/10',
        'fc00::/7',
      ],
      url_preview_ip_range_whitelist: ['127.0.0.1/32'],
      presence: { enabled: true },
      ...relaxedRateLimits(),
      ...this.overrides,
    };
    writeFileSync(join(d, 'test.yaml'), JSON.stringify(test, null, 2));
  }

  private async launch(): Promise<void> {
    const d = this.dataDir;
    const out = openSync(join(d, 'stdout.log'), 'a');
    this.child = spawn(
      SYNAPSE_PYTHON,
      [
        '-m',
        'synapse.app.homeserver',
        '--config-path',
        join(d, 'homeserver.yaml'),
        '--config-path',
        join(d, 'test.yaml'),
      ],
      { cwd: d, stdio: ['ignore', out, out] },
    );
    const child = this.child;
    let exited: string | null = null;
    child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
    try {
      await this.waitReady(90_000, () => exited);
    } catch (err) {
      const tail = readTail(join(d, 'stdout.log')) + readTail(join(d, 'homeserver.log'));
      throw new Error(`${(err as Error).message}\n${tail}`);
    }
  }

  async waitReady(timeoutMs: number, dead: () => string | null = () => null): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const why = dead();
      if (why) throw new Error(`synapse ${why} before it was ready`);
      try {
        const res = await fetch(`${this.url}/_matrix/client/versions`, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`synapse did not answer on ${this.url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Registers a user with the shared secret (no UI auth, no rate limit). */
  async register(
    localpart: string,
    password = `pw-${localpart}`,
    admin = false,
  ): Promise<RegisteredUser> {
    const endpoint = `${this.url}/_synapse/admin/v1/register`;
    const { nonce } = (await (await fetch(endpoint)).json()) as { nonce: string };
    const mac = createHmac('sha1', this.sharedSecret)
      .update(`${nonce}\0${localpart}\0${password}\0${admin ? 'admin' : 'notadmin'}`)
      .digest('hex');
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nonce, username: localpart, password, admin, mac }),
    });
    const body = (await res.json()) as { user_id?: string; access_token?: string; error?: string };
    if (!res.ok || !body.user_id || !body.access_token)
      throw new Error(`registering ${localpart} failed: ${res.status} ${body.error ?? ''}`);
    return { userId: body.user_id, localpart, password, accessToken: body.access_token };
  }

  /** A raw client-server call as some user: for test setup and checks, not for Parley. */
  async api<T = Record<string, unknown>>(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as T;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /**
   * A room `creator` makes with `createRoom` content `options` and `joiner`
   * joins (raw API: test setup, not the feature under test). Returns its id.
   */
  async sharedRoom(
    creator: RegisteredUser,
    joiner: RegisteredUser,
    options: Record<string, unknown> = {},
  ): Promise<string> {
    const { room_id } = await this.api<{ room_id: string }>(
      creator.accessToken,
      'POST',
      '/_matrix/client/v3/createRoom',
      { invite: [joiner.userId], ...options },
    );
    await this.api(
      joiner.accessToken,
      'POST',
      `/_matrix/client/v3/join/${encodeURIComponent(room_id)}`,
      {},
    );
    return room_id;
  }

  private txn = 0;

  /** An event `user` sends into the room (raw API); returns its event id. */
  async send(
    user: RegisteredUser,
    roomId: string,
    content: object,
    type = 'm.room.message',
  ): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/h${++this.txn}`;
    const { event_id } = await this.api<{ event_id: string }>(
      user.accessToken,
      'PUT',
      path,
      content,
    );
    return event_id;
  }

  /** SIGKILL, as a crash: the data dir stays for restart(). */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.external) throw new Error('cannot restart an external Synapse');
    if (this.child) await this.stopWith('SIGTERM');
    await this.launch();
  }

  /** Freezes the process (SIGSTOP): requests hang as on a stalled server. */
  freeze(): void {
    if (this.child?.pid) process.kill(this.child.pid, 'SIGSTOP');
  }

  async stop(): Promise<void> {
    if (this.external) return;
    await this.stopWith('SIGTERM');
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    if (child.pid) {
      try {
        process.kill(child.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/** scripts/synapse-start.mjs writes the running server's URL and secret here. */
export const STATE_FILE = join(ROOT, '.cache', 'synapse-dev', 'state.json');

function readSharedSecretFile(): string | null {
  try {
    return (
      (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { sharedSecret?: string }).sharedSecret ??
      null
    );
  } catch {
    return null;
  }
}

export { waitFor } from '../../helpers/fixtures.js';
