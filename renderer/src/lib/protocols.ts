// What the account setup screen says about each protocol. A Record over the
// model's Protocol type: a new protocol fails the typecheck until it is here.
import type { Protocol } from '../../../main/daemon/model/types.js';

export interface ProtocolInfo {
  label: string;
  description: string;
  serverLabel: string;
  serverPlaceholder: string;
  userLabel: string;
  userPlaceholder: string;
}

export const PROTOCOL_INFO: Record<Protocol, ProtocolInfo> = {
  matrix: {
    label: 'Matrix',
    description: 'Rooms and direct chats on any Matrix homeserver.',
    serverLabel: 'Homeserver',
    serverPlaceholder: 'https://matrix.example.org',
    userLabel: 'Username',
    userPlaceholder: 'alice',
  },
  'jmap-mail': {
    label: 'Email (JMAP)',
    description: 'Mail from a JMAP server (Fastmail, Cyrus, Stalwart…), threads as conversations.',
    serverLabel: 'JMAP server',
    serverPlaceholder: 'https://mail.example.org',
    userLabel: 'Email address or username',
    userPlaceholder: 'alice@example.org',
  },
  'jmap-chat': {
    label: 'JMAP Chat',
    description: 'Chats and spaces on a JMAP Chat server.',
    serverLabel: 'JMAP server',
    serverPlaceholder: 'https://chat.example.org',
    userLabel: 'Username',
    userPlaceholder: 'alice',
  },
  'rest-chat': {
    label: 'REST chat',
    description: 'A server speaking the REST chat API.',
    serverLabel: 'Server',
    serverPlaceholder: 'https://chat.example.org',
    userLabel: 'Username',
    userPlaceholder: 'alice',
  },
  unichat: {
    label: 'unichat',
    description: 'Rooms and private chats on a unichat (Universa chat) server.',
    serverLabel: 'Server',
    serverPlaceholder: 'https://chat.example.org',
    userLabel: 'Email address',
    userPlaceholder: 'alice@example.org',
  },
};

export const PROTOCOL_ORDER = Object.keys(PROTOCOL_INFO) as Protocol[];

export type AccountField = 'server' | 'username' | 'password' | 'label' | 'workspace';

/** An accounts.add failure as the form shows it: per field where the daemon says which. */
export function accountErrors(
  code: string,
  message: string,
  issues: { path: string; message: string }[] | undefined,
  protocol: Protocol,
): { form: string | null; fields: Partial<Record<AccountField, string>> } {
  const name = PROTOCOL_INFO[protocol].label;
  switch (code) {
    case 'auth_failed':
      return {
        form: `Could not sign in: ${message.replace(/^sign-in failed:\s*/i, '')}`,
        fields: { password: 'Check the username and password.' },
      };
    case 'not_implemented':
      return { form: `Parley cannot connect to ${name} accounts yet.`, fields: {} };
    case 'conflict':
      return { form: 'This account is already added.', fields: { username: 'Already added.' } };
    case 'invalid_input': {
      const fields: Partial<Record<AccountField, string>> = {};
      let form: string | null = null;
      for (const issue of issues ?? []) {
        const field = issue.path.split('.')[0] as AccountField;
        if (['server', 'username', 'password', 'label', 'workspace'].includes(field))
          fields[field] =
            field === 'server' && /url/i.test(issue.message)
              ? 'Enter a full address, like https://example.org'
              : issue.message;
        else form = issue.message;
      }
      return { form: form ?? (Object.keys(fields).length ? null : message), fields };
    }
    case 'unavailable':
      return { form: `Parley is not reachable: ${message}`, fields: {} };
    default:
      return { form: message, fields: {} };
  }
}
