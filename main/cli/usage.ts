export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** 2 for usage errors, 1 (the default) for everything else. */
    readonly exitCode?: number,
  ) {
    super(message);
  }
}

export const USAGE = `parley — Parley's daemon, headless

usage: parley <command> [options]            (every command takes --profile DIR)

  accounts add <protocol> --server URL --user NAME --password-stdin
               [--name LABEL] [--workspace NAME] [--insecure-store] [--json]
  accounts list [--json]
  accounts remove ID
  sync [--once] [--account ID]
  chats [--account ID] [--json]
  messages CHAT_ID [--limit N] [--json]
  send CHAT_ID TEXT [--thread MESSAGE_ID] [--timeout SECONDS] [--json]
  search QUERY [--limit N] [--relevance] [--json]
  web [--port N]

protocols: matrix, jmap-mail, jmap-chat, rest-chat, unichat
search: words match as prefixes; "quoted phrase"; *sub for substrings;
        from: in: account: before:YYYY-MM-DD after:YYYY-MM-DD has:attachment is:unread
`;
