// Accounts: each with its protocol, server, sync status; add and remove.
import { useState } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { STATUS_LABEL } from '../lib/accountStatus.js';
import { PROTOCOL_INFO } from '../lib/protocols.js';
import { LinkPreviewSwitch } from './LinkPreviewSwitch.js';
import type { ShownProgress } from '../hooks/useSyncProgress.js';
import { SyncProgressBar } from './SyncProgressBar.js';

interface Props {
  accounts: Account[];
  progress?: Map<number, ShownProgress>;
  onAdd(): void;
  onRemoved(): void;
}

export function AccountsSettings({ accounts, progress, onAdd, onRemoved }: Props) {
  const client = useClient();
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const remove = async (accountId: number) => {
    try {
      await client.call('accounts.remove', { accountId });
      setConfirming(null);
      onRemoved();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="settings-section" aria-labelledby="accounts-title">
      <h3 id="accounts-title">Accounts</h3>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <ul className="account-rows" role="list">
        {accounts.map((a) => (
          <li key={a.id} data-account-id={a.id}>
            <div>
              <strong>{a.label}</strong>{' '}
              <span className="muted">
                {PROTOCOL_INFO[a.protocol].label} · {a.username} · {a.server}
              </span>
            </div>
            <div className={`status-${a.status}`}>
              {STATUS_LABEL[a.status]}
              {a.statusDetail ? <span className="muted"> — {a.statusDetail}</span> : null}
            </div>
            {a.linkPreviews ? <LinkPreviewSwitch account={a} /> : null}
            {progress?.get(a.id) ? (
              <SyncProgressBar accountLabel={a.label} progress={progress.get(a.id)!} />
            ) : null}
            {confirming === a.id ? (
              <span>
                Remove {a.label} and its messages from this device?{' '}
                <button type="button" className="danger" onClick={() => void remove(a.id)}>
                  Remove
                </button>{' '}
                <button type="button" onClick={() => setConfirming(null)}>
                  Keep
                </button>
              </span>
            ) : (
              <button type="button" onClick={() => setConfirming(a.id)}>
                Remove…
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="primary" onClick={onAdd}>
        Add an account
      </button>
    </section>
  );
}
