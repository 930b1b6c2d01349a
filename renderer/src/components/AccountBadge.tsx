// Which account (and protocol) a chat or a search hit is from: a short protocol
// mark on the account's stable colour, the account's label beside it where
// there is room, and both in the accessible name.
import { memo } from 'react';
import type { Account, Protocol } from '../../../main/daemon/model/types.js';
import { avatarColour } from '../lib/avatar.js';
import { PROTOCOL_INFO } from '../lib/protocols.js';

const MARK: Record<Protocol, string> = {
  matrix: 'M',
  'jmap-mail': '✉',
  'jmap-chat': 'J',
  'rest-chat': 'R',
  unichat: 'U',
};

export const accountName = (a: Account) =>
  `${a.label || a.username} (${PROTOCOL_INFO[a.protocol].label})`;

export const AccountBadge = memo(function AccountBadge({
  account,
  withLabel = false,
}: {
  account: Account;
  withLabel?: boolean;
}) {
  return (
    <span className="account-badge" title={accountName(account)} data-protocol={account.protocol}>
      <span
        className="account-mark"
        style={{ backgroundColor: avatarColour(`account:${account.id}`) }}
        aria-hidden="true"
      >
        {MARK[account.protocol]}
      </span>
      {withLabel ? (
        <span className="account-label">{account.label || account.username}</span>
      ) : null}
      <span className="visually-hidden">{accountName(account)}</span>
    </span>
  );
});
