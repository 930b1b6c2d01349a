// Above the chat list: every account that is syncing or in trouble, live from
// 'account.status' and 'sync.progress' events, each with what the user can do:
// offline → "retrying in N s" and Retry now; signed out → Sign in again;
// error → Details (and Retry now). Syncing accounts show a progress bar.
import { useEffect, useState } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import type { ShownProgress } from '../hooks/useSyncProgress.js';
import { STATUS_LABEL } from '../lib/accountStatus.js';
import { strings } from '../lib/strings.js';
import { SyncProgressBar } from './SyncProgressBar.js';

interface Props {
  accounts: Account[];
  progress: Map<number, ShownProgress>;
  onSignIn(account: Account): void;
}

const trouble = (a: Account) =>
  a.status === 'offline' || a.status === 'error' || a.status === 'signed_out';

/** Now, once a second while some account counts down to its retry. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [ticking]);
  return now;
}

export function SyncStatus({ accounts, progress, onSignIn }: Props) {
  const now = useClock(accounts.some((a) => trouble(a) && a.retryAt));
  const shown = accounts.filter((a) => trouble(a) || a.status === 'syncing' || progress.has(a.id));
  if (shown.length === 0) return null;
  return (
    <ul className="sync-status" aria-label={strings.sync.region}>
      {shown.map((a) => (
        <AccountLine
          key={a.id}
          account={a}
          progress={progress.get(a.id)}
          now={now}
          onSignIn={onSignIn}
        />
      ))}
    </ul>
  );
}

function AccountLine({
  account: a,
  progress,
  now,
  onSignIn,
}: {
  account: Account;
  progress: ShownProgress | undefined;
  now: number;
  onSignIn(account: Account): void;
}) {
  const client = useClient();
  const [details, setDetails] = useState(false);
  const s = strings.sync;
  const retry = () =>
    void client.call('accounts.retry', { accountId: a.id }).catch(() => undefined);
  const waiting = a.retryAt ? a.retryAt - now : null;
  return (
    <li className={`status-${a.status}`} data-account-id={a.id}>
      <p role="status">
        {a.status === 'syncing' ? <span className="spinner" aria-hidden="true" /> : null}
        <strong>{a.label}</strong>: {STATUS_LABEL[a.status]}
        {a.status === 'offline' && waiting !== null ? (
          <span className="muted"> — {waiting > 500 ? s.retryingIn(waiting) : s.retrying}</span>
        ) : null}
      </p>
      {a.status === 'offline' || a.status === 'error' ? (
        <div className="status-actions">
          <button type="button" className="link-button" onClick={retry}>
            {s.retryNow}
          </button>
          {a.status === 'error' && a.statusDetail ? (
            <button
              type="button"
              className="link-button"
              aria-expanded={details}
              aria-controls={`status-detail-${a.id}`}
              onClick={() => setDetails((d) => !d)}
            >
              {details ? s.hideDetails : s.details}
            </button>
          ) : null}
        </div>
      ) : null}
      {a.status === 'signed_out' ? (
        <div className="status-actions">
          <button type="button" className="link-button" onClick={() => onSignIn(a)}>
            {s.signInAgain}
          </button>
        </div>
      ) : null}
      {details && a.statusDetail ? (
        <p id={`status-detail-${a.id}`} className="status-detail">
          {a.statusDetail}
        </p>
      ) : null}
      {progress ? <SyncProgressBar accountLabel={a.label} progress={progress} /> : null}
    </li>
  );
}
