// What `parley help`, `parley help COMMAND` and `COMMAND --help` print, and
// the error type that carries a usage along.

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** 2 for usage errors, 1 (the default) for everything else. */
    readonly exitCode?: number,
    /** Printed on stderr below the message (the command's usage). */
    readonly usage?: string,
  ) {
    super(message);
  }
}

export const GLOBAL_OPTIONS = `global options (before or after the command):
  --profile DIR   the profile folder (default: the desktop app's)
  --json          one JSON value on stdout, where the command has one
  -h, --help      this command's usage
`;

/** One entry per command; "accounts add" and its siblings are separate commands. */
export const COMMANDS: Record<string, string> = {
  'accounts add': `usage: parley accounts add <protocol> --server URL --user NAME --password-stdin
                          [--name LABEL] [--workspace NAME] [--insecure-store] [--json]

Signs in, stores the token in the OS keychain and adds the account to the
workspace (created if missing; default "Personal"). The password is read from
standard input.

  --server URL        the server
  --user NAME         the user name
  --password-stdin    read the password from standard input (required)
  --name LABEL        the account's label
  --workspace NAME    the workspace to add it to
  --insecure-store    without a keychain, keep secrets unencrypted in the profile
`,
  'accounts list': `usage: parley accounts list [--json]

Lists the accounts with their status.
`,
  'accounts remove': `usage: parley accounts remove ID [--json]

Removes the account, its synced data and its keychain entry.
`,
  'accounts history': `usage: parley accounts history ID [DAYS|full] [--json]

Shows or sets how far back backfill fetches the account's history: DAYS
before now, or the whole history ("full", the default). Chats whose
backfill already finished are not fetched again when the depth grows.
`,
  sync: `usage: parley sync [--once [--no-backfill]] [--history DAYS|full] [--account ID] [--json]

Syncs every account (or one). Progress and failures go to stderr.

  --once            make the local copy complete, then exit: initial sync and
                    catch-up, then backfill of older history to the history
                    depth. Exits 0 only when every account is complete; 1
                    with a one-line reason per failed account otherwise
  --no-backfill     with --once: skip backfill (initial sync and catch-up only)
  --history DAYS    backfill this many days back for this run, or "full",
                    instead of each account's depth (parley accounts history)
  --account ID      only this account
  --json            with --once: a summary per account on stdout

Without --once: keeps syncing until Ctrl+C.
`,
  chats: `usage: parley chats [--account ID] [--json]

The chat list, pinned first, then by latest activity.
`,
  messages: `usage: parley messages CHAT_ID [--limit N] [--json]

The newest N messages of a chat (default 50), printed oldest first.
`,
  send: `usage: parley send CHAT_ID TEXT [--thread MESSAGE_ID] [--timeout SECONDS] [--json]

Queues TEXT through the outbox and waits until the server confirmed (exit 0),
refused (1), or SECONDS passed (default 60; the message stays queued).

  --thread MESSAGE_ID   reply in the thread of this message (its root, or any
                        message already in the thread)
`,
  search: `usage: parley search QUERY [--limit N] [--relevance] [--json]

Full-text search, newest first unless --relevance (default limit 20).
Words match as prefixes; "quoted phrase"; *sub for substrings; operators
from: in: account: before:YYYY-MM-DD after:YYYY-MM-DD has:attachment is:unread
`,
  backup: `usage: parley backup [--to FILE] [--json]

Copies the profile — its database and every downloaded file — into one tar
file (default: parley-backup-<time>.tar here). Secrets are not included:
after restoring on another machine, sign in to each account again. Safe
while Parley runs. (To restore it: "parley restore FILE".)

For end-to-end encryption keys kept on the Matrix server, see
"parley backup setup" and "parley backup restore".
`,
  'backup setup': `usage: parley backup setup [--account ID] [--replace] [--json]

Matrix end-to-end encryption key backup: this device starts backing up the
account's room keys to the server (encrypted), and prints the recovery key
ONCE. Save it: with it, a new device reads your encrypted history.

  --account ID   the Matrix account (needed when the profile has several)
  --replace      start a new backup even though the account has one (keys
                 in the old one stay readable only with its recovery key)
`,
  'backup restore': `usage: parley backup restore --recovery-key-stdin [--account ID] [--json]

Matrix end-to-end encryption key backup: reads the recovery key from
standard input, imports every room key in the account's server-side backup
on this device, and syncs once so that old encrypted messages decrypt. A
wrong key changes nothing. Quit Parley first. (This is not "parley restore
FILE", which puts a profile backup in place.)

  --recovery-key-stdin  read the recovery key from standard input (required)
  --account ID          the Matrix account (needed when the profile has several)
`,
  restore: `usage: parley restore FILE [--json]

Puts a backup in place of the profile's database: a file "parley backup"
wrote, or an automatic one from the profile's backups/ folder. Quit Parley
first. The database it replaces is kept beside it (parley.db.replaced-…).
`,
  export: `usage: parley export [CHAT_ID] [--format json|html] [--to DIR] [--json]

Exports one chat, or every chat, into DIR (default: parley-export-<time>
here): parley-export.json (see docs/export.md), index.html with a page per
chat, and the downloaded attachments in attachments/.

  --format json|html   only one of the two (default: both)
`,
  web: `usage: parley web [--port N] [--insecure-store]

Serves the app on 127.0.0.1 and prints its URL with a per-launch token.
Runs until Ctrl+C.
`,
  devices: `usage: parley devices --account ID [--user USER_ID] [--json]
       parley devices --account ID --sign-out DEVICE_ID --password-stdin

Lists the account's sessions (or another user's devices) with their
fingerprint and whether they are verified; * marks this session. With
--sign-out, signs that session out (deletes the device); the server asks for
the account password, read from standard input.
`,
  verify: `usage: parley verify --account ID USER_ID [DEVICE_ID] [--accept] [--yes]
                     [--timeout SECONDS] [--json]

Verifies a device by comparing emoji. Without --accept, asks USER_ID (one
device, or with your own user id and no device, all your other sessions);
with --accept, waits for USER_ID to ask and accepts. Prints the seven emoji
and the numbers, then asks whether they match (on a terminal; --yes confirms
without asking). Syncs the account while it runs. Exits 0 once verified, 1
when cancelled or the emoji do not match.

  --timeout SECONDS   how long to wait for the other side (default 300)
`,
};

/** "accounts" and its subcommands, for `parley help accounts`. */
const GROUPS: Record<string, string[]> = {
  accounts: ['accounts add', 'accounts list', 'accounts remove', 'accounts history'],
};

/** The usage of a command or a group of commands, or null when there is none. */
export function usageOf(name: string): string | null {
  if (Object.hasOwn(GROUPS, name))
    return `${GROUPS[name]!.map((c) => COMMANDS[c]).join('\n')}\n${GLOBAL_OPTIONS}`;
  return Object.hasOwn(COMMANDS, name) ? `${COMMANDS[name]}\n${GLOBAL_OPTIONS}` : null;
}

export const USAGE = `parley — Parley's daemon, headless

usage: parley [--profile DIR] [--json] <command> [options]

  accounts add <protocol> --server URL --user NAME --password-stdin
               [--name LABEL] [--workspace NAME] [--insecure-store]
  accounts list
  accounts remove ID
  accounts history ID [DAYS|full]
  sync [--once [--no-backfill]] [--history DAYS|full] [--account ID]
  chats [--account ID]
  messages CHAT_ID [--limit N]
  send CHAT_ID TEXT [--thread MESSAGE_ID] [--timeout SECONDS]
  search QUERY [--limit N] [--relevance]
  export [CHAT_ID] [--format json|html] [--to DIR]
  backup [--to FILE]          (the profile, into a file)
  backup setup [--account ID] [--replace]
  backup restore --recovery-key-stdin [--account ID]
                              (Matrix encryption keys, on the server)
  restore FILE                (a profile backup file)
  web [--port N] [--insecure-store]
  devices --account ID [--user USER_ID] [--sign-out DEVICE_ID --password-stdin]
  verify --account ID USER_ID [DEVICE_ID] [--accept] [--yes] [--timeout SECONDS]
  help [COMMAND]

${GLOBAL_OPTIONS}
protocols: matrix, jmap-mail, jmap-chat, rest-chat, unichat
"parley help COMMAND" or "parley COMMAND --help" shows a command's usage.
`;
