// `parley`: the daemon, headless. Every command takes --profile DIR, --json
// and --help, before or after the command name (globalOptions.ts).
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
import { PROTOCOLS, type Account, type Protocol } from '../daemon/model/types.js';
import { openSecretStore } from '../daemon/secrets/openSecretStore.js';
import type { SecretBroker } from '../daemon/secrets/secretBroker.js';
import { AuthError } from '../daemon/connectors/errors.js';
import type { SyncProgress } from '../daemon/sync/progress.js';
import { readAccountSettings, updateAccountSettings } from '../daemon/store/accountSettings.js';
import { defaultProfileDir } from './profileDir.js';
import { DatabaseCorruptError, isDamage } from '../daemon/store/database.js';
import { listBackups } from '../daemon/store/backups.js';
import { backupProfile, restoreProfile } from '../daemon/profile/profileArchive.js';
import { resolve } from 'node:path';
import {
  formatChats,
  formatMessages,
  formatSearchHits,
  formatAccounts,
  formatOutcome,
  formatProgress,
  formatProgressLine,
  syncOnceResult,
  type SyncOnceResult,
} from './format.js';
import { allChats } from '../daemon/api/allChats.js';
import { splitGlobalOptions, type GlobalOptions } from './globalOptions.js';
import { CliError, USAGE, usageOf } from './usage.js';
import { devicesCommand, verifyCommand, type SecurityCliKit } from './securityCommands.js';

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => string;
  /** stderr is a terminal: progress redraws one line instead of adding lines. */
  stderrIsTTY?: boolean;
  /** Asks a question on the terminal (stdin a TTY), for `verify`. */
  ask?: (question: string) => Promise<string>;
}

const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdin: () => readFileSync(0, 'utf8'),
  stderrIsTTY: process.stderr.isTTY === true,
  ask: process.stdin.isTTY
    ? async (question) => {
        const rl = (await import('node:readline/promises')).createInterface({
          input: process.stdin,
          output: process.stderr,
        });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : undefined,
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
  let name: string | null = null;
  try {
    const { globals, rest } = splitGlobalOptions(argv);
    const [command, ...args] = rest;
    if (command === undefined) {
      io.stdout(USAGE);
      return globals.help ? 0 : 2;
    }
    if (command === 'help') return help(args, io);
    if (command.startsWith('-')) throw new CliError(`unknown option "${command}"`, 2, USAGE);
    name = commandName(command, args, globals.help);
    if (globals.help) {
      io.stdout(usageOf(name)!);
      return 0;
    }
    const g = globals;
    switch (name) {
      case 'accounts add':
        return await accountsAdd(args.slice(1), io, g);
      case 'accounts list':
        return await accountsList(args.slice(1), io, g);
      case 'accounts remove':
        return await accountsRemove(args.slice(1), io, g);
      case 'accounts history':
        return await accountsHistory(args.slice(1), io, g);
      case 'sync':
        return await sync(args, io, g);
      case 'chats':
        return await chats(args, io, g);
      case 'messages':
        return await messages(args, io, g);
      case 'send':
        return await send(args, io, g);
      case 'search':
        return await search(args, io, g);
      case 'backup':
        return await backup(args, io, g);
      case 'backup restore':
        return await keyBackupRestore(args.slice(1), io, g);
      case 'backup setup':
        return await keyBackupSetUp(args.slice(1), io, g);
      case 'restore':
        return await restore(args, io, g);
      case 'export':
        return await exportCommand(args, io, g);
      case 'devices':
        return await devices(args, io, g);
      case 'verify':
        return await verify(args, io, g);
      case 'web': {
        const profile = g.profile === undefined ? [] : ['--profile', g.profile];
        return await (await import('./webCommand.js')).web([...args, ...profile], io);
      }
      default:
        throw new CliError(`unknown command "${command}"; run "parley help"`, 2);
    }
  } catch (err) {
    const failure = asUsageError(err, name) ?? err;
    io.stderr(`parley: ${oneLine(failure)}\n`);
    if (failure instanceof CliError && failure.usage) io.stderr(`\n${failure.usage}`);
    return failure instanceof CliError && failure.exitCode !== undefined ? failure.exitCode : 1;
  }
}

/** "accounts add" for the accounts group, else the command itself. */
function commandName(command: string, args: string[], help: boolean): string {
  // `backup` alone is the profile backup; `backup restore|setup` the encryption key backup.
  if (command === 'backup' && (args[0] === 'restore' || args[0] === 'setup'))
    return `backup ${args[0]}`;
  if (command !== 'accounts') {
    if (!usageOf(command)) throw new CliError(`unknown command "${command}"; run "parley help"`, 2);
    return command;
  }
  const sub = args[0];
  if (sub !== undefined && usageOf(`accounts ${sub}`)) return `accounts ${sub}`;
  // `parley accounts --help` is the group's usage.
  if (sub === undefined && help) return 'accounts';
  throw new CliError(
    sub === undefined ? 'which accounts command?' : `unknown command "accounts ${sub}"`,
    2,
    usageOf('accounts')!,
  );
}

function help(args: string[], io: Io): number {
  if (args.length === 0) {
    io.stdout(USAGE);
    return 0;
  }
  const name = args.join(' ');
  const text = usageOf(name);
  if (!text) throw new CliError(`no command "${name}"; run "parley help" for the list`, 2);
  io.stdout(text);
  return 0;
}

/**
 * node:util parseArgs errors (from any command, also `web`) as one clear line
 * naming the option, with the command's usage below.
 */
function asUsageError(err: unknown, name: string | null): CliError | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null;
  const message = (err as Error).message;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  const where = name ? ` for "parley ${name}"` : '';
  const text =
    code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? `unknown option "${option}"${where}`
      : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(message)
        ? `option "${option}" needs a value`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? `option "${option}" takes no value`
          : message.split('\n')[0]!;
  return new CliError(text, 2, (name && usageOf(name)) || USAGE);
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}

/**
 * Parses a command's own options (the global ones are already taken out).
 * `positionals` bounds how many plain arguments the command takes.
 */
function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  name: string,
  args: string[],
  options: T,
  positionals: { min?: number; max?: number } = { max: 0 },
) {
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  const n = parsed.positionals.length;
  if (positionals.max !== undefined && n > positionals.max)
    throw new CliError(
      `unexpected argument "${parsed.positionals[positionals.max]}"`,
      2,
      usageOf(name)!,
    );
  if (positionals.min !== undefined && n < positionals.min)
    throw new CliError(`missing arguments`, 2, usageOf(name)!);
  return parsed;
}

async function withDaemon<T>(
  profile: string | undefined,
  secrets: SecretBroker,
  fn: (daemon: Daemon) => Promise<T>,
): Promise<T> {
  const profileDir = profile ?? defaultProfileDir();
  let daemon: Daemon;
  try {
    // One-shot commands make no automatic backups: the app and web mode do.
    daemon = new Daemon({ profileDir, secrets, backups: false });
  } catch (err) {
    if (!(err instanceof DatabaseCorruptError) && !isDamage(err)) throw err;
    const newest = listBackups(profileDir)[0];
    const what =
      err instanceof DatabaseCorruptError
        ? err.message
        : `This profile's database is damaged (${(err as Error).message}).`;
    throw new CliError(
      `${what} ${newest ? `The latest automatic backup: parley restore "${newest.path}"` : 'There is no automatic backup; restore one with "parley restore FILE".'}`,
    );
  }
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

async function accountsAdd(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'accounts add',
    args,
    {
      server: { type: 'string' },
      user: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      workspace: { type: 'string' },
      'insecure-store': { type: 'boolean' },
    },
    { max: 1 },
  );
  const protocol = positionals[0];
  if (!protocol || !(PROTOCOLS as readonly string[]).includes(protocol))
    throw new CliError(`protocol must be one of: ${PROTOCOLS.join(', ')}`, 2);
  if (!values.server || !values.user) throw new CliError('--server and --user are required', 2);
  if (!values['password-stdin'])
    throw new CliError('pass the password on standard input with --password-stdin', 2);
  const profileDir = g.profile ?? defaultProfileDir();
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
    g.json ? `${JSON.stringify(account)}\n` : `added account ${account.id}: ${account.label}\n`,
  );
  return 0;
}

async function accountsList(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  parse('accounts list', args, {});
  const list = await withDaemon(g.profile, noSecrets, (d) => call(d, 'accounts.list', {}));
  io.stdout(g.json ? `${JSON.stringify(list)}\n` : formatAccounts(list));
  return 0;
}

async function accountsRemove(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { positionals } = parse('accounts remove', args, {}, { max: 1 });
  const accountId = positiveInt(positionals[0], 'ID');
  const profileDir = g.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  const { removed } = await withDaemon(profileDir, secrets, (d) =>
    call(d, 'accounts.remove', { accountId }),
  );
  if (!removed) throw new CliError(`no account ${accountId}`);
  io.stdout(g.json ? `${JSON.stringify({ removed })}\n` : `removed account ${accountId}\n`);
  return 0;
}

/** `parley accounts history ID [DAYS|full]`: shows or sets the account's history depth. */
async function accountsHistory(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { positionals } = parse('accounts history', args, {}, { min: 1, max: 2 });
  const accountId = positiveInt(positionals[0], 'ID');
  const depth = positionals[1] === undefined ? undefined : historyDays(positionals[1]);
  return withDaemon(g.profile, noSecrets, async (daemon) => {
    if (
      depth !== undefined &&
      !updateAccountSettings(daemon.store.db, accountId, { historyDays: depth })
    )
      throw new CliError(`no account ${accountId}`);
    if (!daemon.store.accounts.get(accountId)) throw new CliError(`no account ${accountId}`);
    const { historyDays: days } = readAccountSettings(daemon.store.readDb, accountId);
    io.stdout(
      g.json
        ? `${JSON.stringify({ accountId, historyDays: days })}\n`
        : `account ${accountId}: history depth ${days === null ? 'full' : `${days} days`}\n`,
    );
    return 0;
  });
}

/** DAYS (a positive whole number) or "full" (null). */
function historyDays(value: string): number | null {
  if (value === 'full') return null;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(
      `the history depth is a number of days (1 or more) or "full", not "${value}"`,
      2,
    );
  return n;
}

async function sync(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('sync', args, {
    once: { type: 'boolean' },
    'no-backfill': { type: 'boolean' },
    history: { type: 'string' },
    account: { type: 'string' },
  });
  if (values['no-backfill'] && !values.once)
    throw new CliError('--no-backfill goes with --once', 2, usageOf('sync')!);
  if (values['no-backfill'] && values.history !== undefined)
    throw new CliError('--no-backfill and --history exclude each other', 2, usageOf('sync')!);
  const depth = values.history === undefined ? undefined : historyDays(values.history);
  const profileDir = g.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return withDaemon(profileDir, secrets, async (daemon) => {
    const all = daemon.store.accounts.list();
    const chosen = values.account
      ? all.filter((a) => a.id === positiveInt(values.account, '--account'))
      : all;
    if (values.account && chosen.length === 0) throw new CliError(`no account ${values.account}`);
    if (chosen.length === 0) {
      io.stderr('no accounts; add one with "parley accounts add"\n');
      if (values.once && g.json) io.stdout('[]\n');
      return 0;
    }
    if (values.once) {
      const results = await syncEachOnce(daemon, chosen, !values['no-backfill'], depth, io);
      if (g.json) io.stdout(`${JSON.stringify(results)}\n`);
      const failed = results.filter((r) => r.error !== null).length;
      if (failed > 0) throw new CliError(`${failed} of ${chosen.length} accounts failed to sync`);
      return 0;
    }
    daemon.subscribe((e) => {
      if (e.name === 'account.status')
        io.stderr(
          `account ${e.payload.accountId}: ${e.payload.status}${e.payload.detail ? ` (${e.payload.detail})` : ''}\n`,
        );
    });
    await Promise.all(chosen.map((a) => daemon.engine.start(a.id, { historyDays: depth })));
    io.stderr('syncing; press Ctrl+C to stop\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return 0;
  });
}

/** `sync --once`, one account after the other, progress on stderr; a failure never stops the rest. */
async function syncEachOnce(
  daemon: Daemon,
  accounts: Account[],
  backfill: boolean,
  historyDays: number | null | undefined,
  io: Io,
): Promise<SyncOnceResult[]> {
  const results: SyncOnceResult[] = [];
  for (const account of accounts) {
    const who = `account ${account.id} (${account.label})`;
    let last: SyncProgress | null = null;
    try {
      last = await daemon.engine.syncOnce(account.id, {
        backfill,
        historyDays,
        onProgress: (p) => {
          last = p;
          if (p.phase === 'done') return;
          // On a terminal the line is redrawn in place (carriage return, clear to its end).
          if (io.stderrIsTTY) io.stderr(`\r\x1b[K${who}: ${formatProgressLine(p)}`);
          else io.stderr(`${who}: ${formatProgress(p)}\n`);
        },
      });
      if (io.stderrIsTTY) io.stderr('\r\x1b[K');
      io.stderr(`${who}: ${formatOutcome(last, backfill)}\n`);
      results.push(syncOnceResult(account.id, last, backfill, null));
    } catch (err) {
      const reason = failureReason(err);
      io.stderr(`${who}: failed: ${reason}\n`);
      results.push(syncOnceResult(account.id, last, backfill, reason));
    }
  }
  return results;
}

function failureReason(err: unknown): string {
  if (err instanceof AuthError)
    return `the server no longer accepts our session (${oneLine(err)}); sign in again`;
  return oneLine(err);
}

async function chats(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('chats', args, { account: { type: 'string' } });
  const accountId = values.account ? positiveInt(values.account, '--account') : undefined;
  const list = await withDaemon(g.profile, noSecrets, (d) =>
    allChats((input) => call(d, 'chats.list', input), { accountId }),
  );
  io.stdout(g.json ? `${JSON.stringify(list)}\n` : formatChats(list));
  return 0;
}

async function messages(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'messages',
    args,
    { limit: { type: 'string' } },
    { max: 1 },
  );
  const chatId = positiveInt(positionals[0], 'CHAT_ID');
  const limit = values.limit ? positiveInt(values.limit, '--limit') : 50;
  const page = await withDaemon(g.profile, noSecrets, (d) =>
    call(d, 'messages.page', { chatId, limit }),
  );
  io.stdout(g.json ? `${JSON.stringify(page)}\n` : formatMessages(page));
  return 0;
}

async function send(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'send',
    args,
    { timeout: { type: 'string' }, thread: { type: 'string' } },
    { max: Infinity },
  );
  const chatId = positiveInt(positionals[0], 'CHAT_ID');
  const threadRootMessageId =
    values.thread !== undefined ? positiveInt(values.thread, '--thread') : undefined;
  const body = positionals.slice(1).join(' ');
  if (!body) throw new CliError('usage: parley send CHAT_ID TEXT', 2);
  const timeoutS = values.timeout ? positiveInt(values.timeout, '--timeout') : 60;
  const profileDir = g.profile ?? defaultProfileDir();
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
    if (g.json) io.stdout(`${JSON.stringify(result)}\n`);
    if (entry.state === 'sent') {
      if (!g.json) io.stdout(`sent (message ${messageId})\n`);
      return 0;
    }
    if (entry.state === 'failed') throw new CliError(`not sent: ${entry.lastError ?? 'failed'}`);
    throw new CliError(
      `not confirmed within ${timeoutS} s (${entry.lastError ?? 'no answer'}); it stays queued and goes out on the next sync`,
    );
  });
}

async function securityKit(io: Io, g: GlobalOptions): Promise<SecurityCliKit> {
  const profileDir = g.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    ask: io.ask ?? null,
    json: g.json,
    withDaemon: (fn) => withDaemon(profileDir, secrets, fn),
    call,
  };
}

/** `parley devices`: the account's sessions, or one signed out. */
async function devices(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('devices', args, {
    account: { type: 'string' },
    user: { type: 'string' },
    'sign-out': { type: 'string' },
    'password-stdin': { type: 'boolean' },
  });
  const accountId = positiveInt(values.account, '--account');
  if (values['sign-out'] !== undefined && !values['password-stdin'])
    throw new CliError('signing a session out needs the password: --password-stdin', 2);
  return devicesCommand(await securityKit(io, g), {
    accountId,
    userId: values.user,
    signOut: values['sign-out'],
    passwordStdin: values['password-stdin'] ?? false,
  });
}

/** `parley verify`: SAS verification with the emoji, started here or accepted. */
async function verify(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'verify',
    args,
    {
      account: { type: 'string' },
      accept: { type: 'boolean' },
      yes: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    { min: 1, max: 2 },
  );
  const accountId = positiveInt(values.account, '--account');
  if (!values.yes && !io.ask)
    throw new CliError('not a terminal: pass --yes to confirm matching emoji without asking', 2);
  return verifyCommand(await securityKit(io, g), {
    accountId,
    userId: positionals[0]!,
    deviceId: positionals[1],
    accept: values.accept ?? false,
    yes: values.yes ?? false,
    timeoutS: values.timeout ? positiveInt(values.timeout, '--timeout') : 300,
  });
}

/** `parley backup [--to FILE]`: the database and blobs as one tar file; no secrets. */
async function backup(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('backup', args, { to: { type: 'string' } });
  const profileDir = g.profile ?? defaultProfileDir();
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
  const file = resolve(values.to ?? `parley-backup-${stamp}.tar`);
  const summary = await backupProfile(profileDir, file);
  io.stdout(
    g.json
      ? `${JSON.stringify(summary)}\n`
      : `backed up the profile (${summary.blobs} files, ${summary.bytes} bytes) to ${summary.file}\n`,
  );
  return 0;
}

/** The account whose keys are meant: --account, else the profile's only Matrix account. */
function keyBackupAccount(daemon: Daemon, account: string | undefined, command: string): Account {
  if (account !== undefined) {
    const a = daemon.store.accounts.get(positiveInt(account, '--account'));
    if (!a) throw new CliError(`no account ${account}`);
    return a;
  }
  const matrix = daemon.store.accounts.list().filter((a) => a.protocol === 'matrix');
  if (matrix.length === 1) return matrix[0]!;
  throw new CliError(
    matrix.length === 0
      ? 'no Matrix account in this profile; add one with "parley accounts add matrix"'
      : 'this profile has several Matrix accounts: choose one with --account ID',
    2,
    usageOf(command)!,
  );
}

/**
 * `parley backup restore --recovery-key-stdin [--account ID]`: imports the
 * account's backed-up room keys on this device, then syncs once so that
 * messages waiting for those keys decrypt now. The key is read from standard
 * input so it never appears in a process list or shell history.
 */
async function keyBackupRestore(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('backup restore', args, {
    'recovery-key-stdin': { type: 'boolean' },
    account: { type: 'string' },
  });
  if (!values['recovery-key-stdin'])
    throw new CliError(
      'pass the recovery key on standard input with --recovery-key-stdin',
      2,
      usageOf('backup restore')!,
    );
  const recoveryKey = io.stdin().trim();
  if (!recoveryKey) throw new CliError('no recovery key on standard input', 2);
  const profileDir = g.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return withDaemon(profileDir, secrets, async (daemon) => {
    const account = keyBackupAccount(daemon, values.account, 'backup restore');
    const r = await call(daemon, 'keyBackup.restore', { accountId: account.id, recoveryKey });
    // Placeholders waiting for these keys are decrypted (and indexed) by the next sync.
    await daemon.engine.syncOnce(account.id, { backfill: false });
    io.stdout(
      g.json
        ? `${JSON.stringify(r)}\n`
        : `restored ${r.imported} of ${r.total} room keys from key backup ${r.version}` +
            `${r.failed ? ` (${r.failed} did not decrypt with this backup's key)` : ''}; ` +
            `this device backs up its new keys there too\n`,
    );
    return 0;
  });
}

/**
 * `parley backup setup [--account ID] [--replace]`: starts backing up the
 * account's encryption keys and prints the recovery key, once.
 */
async function keyBackupSetUp(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values } = parse('backup setup', args, {
    account: { type: 'string' },
    replace: { type: 'boolean' },
  });
  const profileDir = g.profile ?? defaultProfileDir();
  const secrets = await openSecretStore({ profileDir, allowInsecure: true });
  return withDaemon(profileDir, secrets, async (daemon) => {
    const account = keyBackupAccount(daemon, values.account, 'backup setup');
    const r = await call(daemon, 'keyBackup.setUp', {
      accountId: account.id,
      replace: values.replace ?? false,
    });
    io.stdout(
      g.json
        ? `${JSON.stringify(r)}\n`
        : `key backup ${r.version} is on. Your recovery key (save it now; it is not shown again):\n\n  ${r.recoveryKey}\n\n`,
    );
    return 0;
  });
}

/** `parley restore FILE`: a backup (or an automatic one) in place of the database; Parley closed. */
async function restore(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { positionals } = parse('restore', args, {}, { min: 1, max: 1 });
  const profileDir = g.profile ?? defaultProfileDir();
  const file = resolve(positionals[0]!);
  const { blobs } = await restoreProfile(profileDir, file);
  io.stdout(
    g.json
      ? `${JSON.stringify({ restored: file, blobs })}\n`
      : `restored ${file} (${blobs} files); the previous database is kept beside it as parley.db.replaced-…\n`,
  );
  return 0;
}

/** `parley export [CHAT_ID] [--format json|html] [--to DIR]`. */
async function exportCommand(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'export',
    args,
    { format: { type: 'string' }, to: { type: 'string' } },
    { max: 1 },
  );
  const chatId = positionals[0] === undefined ? undefined : positiveInt(positionals[0], 'CHAT_ID');
  if (values.format !== undefined && values.format !== 'json' && values.format !== 'html')
    throw new CliError('--format is json or html (both when not given)', 2, usageOf('export')!);
  const formats = values.format ? [values.format as 'json' | 'html'] : undefined;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
  const to = resolve(values.to ?? `parley-export-${stamp}`);
  const result = await withDaemon(g.profile, noSecrets, (d) =>
    call(d, 'export.chats', { chatId, formats, to }),
  );
  io.stdout(
    g.json
      ? `${JSON.stringify(result)}\n`
      : `exported ${result.chats} chats, ${result.messages} messages and ${result.attachments} attachments to ${result.dir}` +
          `${result.missingAttachments ? ` (${result.missingAttachments} attachments were never downloaded and are listed only)` : ''}\n`,
  );
  return 0;
}

async function search(args: string[], io: Io, g: GlobalOptions): Promise<number> {
  const { values, positionals } = parse(
    'search',
    args,
    { limit: { type: 'string' }, relevance: { type: 'boolean' } },
    { max: Infinity },
  );
  const query = positionals.join(' ');
  if (!query.trim()) throw new CliError('usage: parley search QUERY', 2);
  const limit = values.limit ? positiveInt(values.limit, '--limit') : 20;
  const order = values.relevance ? ('relevance' as const) : ('newest' as const);
  const page = await withDaemon(g.profile, noSecrets, async (d) => {
    // A one-shot command serves nobody else: it waits until the messages this
    // query depends on are indexed (each call indexes one slice), so its
    // answer is complete.
    const ask = () => call(d, 'search.query', { query, limit, order });
    let p = await ask();
    if (p.unindexed > 0) io.stderr(`indexing ${p.unindexed} messages first…\n`);
    while (p.unindexed > 0) p = await ask();
    return p;
  });
  io.stdout(g.json ? `${JSON.stringify(page.hits)}\n` : formatSearchHits(page.hits));
  // stdout stays the hits (scripts parse it); that there are more goes to stderr.
  if (page.nextBeforeId !== null)
    io.stderr(`more matches than --limit ${limit} shows; raise --limit (up to 200) to see more\n`);
  else if (page.partial && page.hint) io.stderr(`partial results: ${page.hint}\n`);
  return 0;
}
