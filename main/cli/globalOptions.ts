// Options every command takes, accepted anywhere on the line (before or after
// the command name), so `parley --profile DIR chats` and
// `parley chats --profile DIR` mean the same. Everything after `--` is left
// alone: it is positional text (a message that starts with "--json").
import { CliError, USAGE } from './usage.js';

export interface GlobalOptions {
  profile?: string;
  json: boolean;
  help: boolean;
}

export function splitGlobalOptions(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { json: false, help: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--json') globals.json = true;
    else if (arg === '--help' || arg === '-h') globals.help = true;
    else if (arg === '--profile' || arg.startsWith('--profile=')) {
      const value = arg === '--profile' ? argv[++i] : arg.slice('--profile='.length);
      if (!value || (arg === '--profile' && value.startsWith('-')))
        throw new CliError('--profile needs a folder: --profile DIR', 2, USAGE);
      globals.profile = value;
    } else rest.push(arg);
  }
  return { globals, rest };
}
