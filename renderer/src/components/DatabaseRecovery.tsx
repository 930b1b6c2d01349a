// Shown instead of the app when the profile's database did not pass its check
// at startup: what happened, and the way back — restore the newest automatic
// backup (profile.restoreBackup), then start the app on it.
import { useState } from 'react';
import type { ParleyClient, ProfileHealth } from '../../../main/daemon/api/contract.js';
import { errorMessage } from '../api/callError.js';

interface Props {
  client: ParleyClient;
  health: ProfileHealth;
  /** The restored profile opened: show the app. */
  onRestored(): void;
}

export function DatabaseRecovery({ client, health, onRestored }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const newest = health.backups[0];

  const restore = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.call('profile.restoreBackup', {});
      onRestored();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <main className="startup-error" role="alert">
      <h1>Parley's database is damaged</h1>
      <p>{health.detail}</p>
      {newest ? (
        <>
          <p>
            Parley can put back the automatic backup of{' '}
            <strong>{new Date(newest.createdAt).toLocaleString()}</strong>. What arrived since then
            syncs again from your servers; the damaged file is kept beside it.
          </p>
          <button type="button" disabled={busy} onClick={() => void restore()}>
            {busy ? 'Restoring…' : 'Restore the latest backup'}
          </button>
        </>
      ) : (
        <p>
          There is no automatic backup to restore. Restore one you made with{' '}
          <code>parley restore FILE</code>, with Parley closed.
        </p>
      )}
      {error ? <p className="error">{error}</p> : null}
    </main>
  );
}
