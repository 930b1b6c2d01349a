// Accounts that are syncing or in trouble, above the chat list, live from
// 'account.status' events.
import type { Account } from '../../../main/daemon/model/types.js';
import { STATUS_LABEL } from '../lib/accountStatus.js';

export function SyncStatus({ accounts }: { accounts: Account[] }) {
  const shown = accounts.filter((a) => a.status !== 'active' && a.status !== 'paused');
  if (shown.length === 0) return null;
  return (
    <ul className="sync-status" role="status" aria-label="Account status">
      {shown.map((a) => (
        <li key={a.id} className={`status-${a.status}`} data-account-id={a.id}>
          {a.status === 'syncing' ? <span className="spinner" aria-hidden="true" /> : null}
          <strong>{a.label}</strong>: {STATUS_LABEL[a.status]}
          {a.statusDetail ? <span className="muted"> — {a.statusDetail}</span> : null}
        </li>
      ))}
    </ul>
  );
}
