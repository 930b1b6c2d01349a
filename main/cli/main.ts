// `parley`: the daemon, headless. Every command takes --profile DIR.
// Human output on stdout; progress and errors on stderr; --json output is a
// stable contract documented in docs/cli.md.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { Daemon } from '../daemon/daemon.js';
import {
  ApiError,
  type ProcedureName,
  type ProcedureInput,
  type ProcedureOutput,
} from '../daemon/api/contract.js';
import { PROTOCOLS, type Protocol } from '../daemon/model/types.js';
import { openSecretStore } from '../daemon/secrets/openSecretStore.js';
import type { SecretBroker } from '../daemon/secrets/secretBroker.js';
import { defaultProfileDir } from './profileDir.js';
import { formatChats, formatMessages, formatSearchHits, formatAccounts } from './format.js';
import { CliError, USAGE } from './usage.js';

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => string;
}

const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdin: () => readFileSync(0, 'utf8'),
};

/** Secrets are opened only by commands that need them, so reading never touches the keychain. */
const noSecrets: SecretBroker = {
  get: async () => null,
  set: async () => {
    throw new CliError('this command cannot store secrets');
  },
  delete: async () => false,
};

export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'accounts':
        return await accounts(rest, io);
      case 'sync':
        return await sync(rest, io);
      case 'chats':
        return await chats(rest, io);
      case 'messages':
        return await messages(rest, io);
      case 'send':
        return await send(rest, io);
      case 'search':
        return await search(rest, io);
      case 'web':
        return await (await import('./webCommand.js')).web(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"; run "parley help"`);
    }
  } catch (err) {
    io.stderr(`parley: ${oneLine(err)}\n`);
    return err instanceof CliError && err.exitCode !== undefined ? err.exitCode : 1;
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}

const common = { profile: { type: 'string' }, json: { type: 'boolean' } } as const;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({
      args,
      options: { ...common, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

async function withDaemon<T>(
  profile: string | undefined,
  secrets: SecretBroker,
  fn: (daemon: Daemon) => Promise<T>,
): Promise<T> {
  const daemon = new Daemon({ profileDir: profile ?? defaultProfileDir(), secrets });
  try {
    return await fn(daemon);
  } finally {
    await daemon.close();
  }
}

async function call<P extends ProcedureName>(
  daemon: Daemon,
  name: P,
  input: ProcedureInput<P>,
): Promise<ProcedureOutput<P>> {
  const result = await daemon.call(name, input);
  if (!result.ok) {
    const detail = result.error.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new ApiError(
      result.error.code,
      detail ? `${result.error.message} (${detail})` : result.error.message,
    );
  }
  return result.value as ProcedureOutput<P>;
}

function positiveInt(value: string | undefined, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${what} must be a positive integer`, 2);
  return n;
}

async function accounts(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values, positionals } = parse(rest, {
      server: { type: 'string' },
      user: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      workspace: { type: 'string' },
      'insecure-store': { type: 'boolean' },
    });
    const protocol = positionals[0];
    if (!protocol || !(PROTOCOLS as readonly string[]).includes(protocol))
      throw new CliError(`protocol must be one of: ${PROTOCOLS.join(', ')}`, 2);
    if (!values.server || !values.user) throw new CliError('--server and --user are required', 2);
    if (!values['password-stdin'])
      throw new CliError('pass the password on standard input with --password-stdin', 2);
    const profileDir = values.profile ?? defaultProfileDir();
    // Fail fast, before asking for a password or touching the keychain.
    const probe = new Daemon({ profileDir, secrets: noSecrets });
    const implemented = probe.connectors.has(protocol as Protocol);
    await probe.close();
    if (!implemented) throw new CliError(`the ${protocol} connector is not implemented yet`);
    const password = io.stdin().replace(/\r?\n$/, '');
    const secrets = await openSecretStore({
      profileDir,
      allowInsecure: values['insecure-store'] ?? false,
    });
    if (secrets.kind === 'file')
      io.stderr(`warning: no OS keychain; secrets are stored unencrypted in ${secrets.location}\n`);
    const account = await withDaemon(profileDir, secrets, (d) =>
      call(d, 'accounts.add', {
        protocol: protocol as Protocol,
        server: values.server!,
        username: values.user!,
        password,
        label: values.name,
        workspace: values.workspace,
      }),
    );
    io.stdout(
      values.json
        ? `${JSON.stringify(account)}\n`
        : `added account ${account.id}: ${account.label}\n`,
    );
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(rest, {});
    const list = await withDaemon(values.profile, noSecrets, (d) => call(d, 'accounts.list', {}));
    io.stdout(values.json ? `${JSON.stringify(list)}\n` : formatAccounts(list));
    return 0;
  }
  if (sub === 'remove') {
    const { values, positionals } = parse(rest, {});
    const accountId = positiveInt(positionals[0], 'ID');
    const profileDir = values.profile ?? defaultProfileDir();
    const secrets = await openSecretStore({ profileDir, allowInsecure: true });
    const { removed } = await withDaemon(profileDir, secrets, (d) =>
      call(d, 'accounts.remove', { accountId }),
    );
    if (!removed) throw new CliError(`no account ${accountId}`);
    io.stdout(values.json ? `${JSON.stringify({ removed })}\n` : `removed account ${accountId}\n`);
    return 0;
  }
  throw new CliError('usage: parley accounts add|list|remove', 2);
}

async function sync(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { once: { type: 'boolean' }, account: { type: 'string' } });
  const profileDir = values.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return withDaemon(profileDir, secrets, async (daemon) => {
    const all = daemon.store.accounts.list();
    const chosen = values.account
      ? all.filter((a) => a.id === positiveInt(values.account, '--account'))
      : all;
    if (values.account && chosen.length === 0) throw new CliError(`no account ${values.account}`);
    if (chosen.length === 0) {
      io.stderr('no accounts; add one with "parley accounts add"\n');
      return 0;
    }
    daemon.subscribe((e) => {
      if (e.name === 'account.status')
        io.stderr(
          `account ${e.payload.accountId}: ${e.payload.status}${e.payload.detail ? ` (${e.payload.detail})` : ''}\n`,
        );
    });
    if (values.once) {
      let failed = 0;
      for (const account of chosen) {
        try {
          await daemon.engine.syncOnce(account.id);
          io.stderr(`account ${account.id} (${account.label}): up to date\n`);
        } catch (err) {
          failed++;
          io.stderr(`account ${account.id} (${account.label}): ${oneLine(err)}\n`);
        }
      }
      if (failed > 0) throw new CliError(`${failed} of ${chosen.length} accounts failed to sync`);
      return 0;
    }
    await Promise.all(chosen.map((a) => daemon.engine.start(a.id)));
    io.stderr('syncing; press Ctrl+C to stop\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return 0;
  });
}

async function chats(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { account: { type: 'string' } });
  const accountId = values.account ? positiveInt(values.account, '--account') : undefined;
  const list = await withDaemon(values.profile, noSecrets, (d) =>
    call(d, 'chats.list', { accountId }),
  );
  io.stdout(values.json ? `${JSON.stringify(list)}\n` : formatChats(list));
  return 0;
}

async function messages(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { limit: { type: 'string' } });
  const chatId = positiveInt(positionals[0], 'CHAT_ID');
  const limit = values.limit ? positiveInt(values.limit, '--limit') : 50;
  const page = await withDaemon(values.profile, noSecrets, (d) =>
    call(d, 'messages.page', { chatId, limit }),
  );
  io.stdout(values.json ? `${JSON.stringify(page)}\n` : formatMessages(page));
  return 0;
}

async function send(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    timeout: { type: 'string' },
    thread: { type: 'string' },
  });
  const chatId = positiveInt(positionals[0], 'CHAT_ID');
  const threadRootMessageId =
    values.thread !== undefined ? positiveInt(values.thread, '--thread') : undefined;
  const body = positionals.slice(1).join(' ');
  if (!body) throw new CliError('usage: parley send CHAT_ID TEXT', 2);
  const timeoutS = values.timeout ? positiveInt(values.timeout, '--timeout') : 60;
  const profileDir = values.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return withDaemon(profileDir, secrets, async (daemon) => {
    const chat = daemon.store.read.chat(chatId);
    if (!chat) throw new CliError(`no chat ${chatId}`);
    const account = daemon.store.accounts.get(chat.accountId)!;
    if (!daemon.connectors.has(account.protocol))
      throw new CliError(`the ${account.protocol} connector is not implemented yet`);
    const { outboxId, messageId } = await call(daemon, 'messages.send', {
      chatId,
      body,
      threadRootMessageId,
    });
    await daemon.engine.start(account.id, undefined, { outboxOnly: true });
    const entry = await daemon.engine.settled(outboxId, AbortSignal.timeout(timeoutS * 1000));
    const result = { outboxId, messageId, state: entry.state, error: entry.lastError };
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    if (entry.state === 'sent') {
      if (!values.json) io.stdout(`sent (message ${messageId})\n`);
      return 0;
    }
    if (entry.state === 'failed') throw new CliError(`not sent: ${entry.lastError ?? 'failed'}`);
    throw new CliError(
      `not confirmed within ${timeoutS} s (${entry.lastError ?? 'no answer'}); it stays queued and goes out on the next sync`,
    );
  });
}

async function search(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    limit: { type: 'string' },
    relevance: { type: 'boolean' },
  });
  const query = positionals.join(' ');
  if (!query.trim()) throw new CliError('usage: parley search QUERY', 2);
  const limit = values.limit ? positiveInt(values.limit, '--limit') : 20;
  const hits = await withDaemon(values.profile, noSecrets, (d) =>
    call(d, 'search.query', { query, limit, order: values.relevance ? 'relevance' : 'newest' }),
  );
  io.stdout(values.json ? `${JSON.stringify(hits)}\n` : formatSearchHits(hits));
  return 0;
}
