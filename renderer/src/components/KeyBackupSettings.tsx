// Settings → Key backup: end-to-end encryption key backup, per account that encrypts.
// "Set up backup" shows the recovery key once, to copy or write down (it is
// kept nowhere: closing the panel forgets it); "Restore" takes a recovery key
// on a new device, and old encrypted messages decrypt with the keys it brings.
import { useCallback, useEffect, useState } from 'react';
import type { KeyBackupStatusView } from '../../../main/daemon/api/contract.js';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

export function KeyBackupSettings({ accounts }: { accounts: Account[] }) {
  // The connector's capability, not its protocol (as SecuritySettings decides).
  const shown = accounts.filter((a) => a.encrypts);
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="key-backup-settings">
      <h3 id="key-backup-settings">Key backup</h3>
      {shown.map((a) => (
        <AccountKeyBackup key={a.id} account={a} />
      ))}
    </section>
  );
}

function describe(s: KeyBackupStatusView): string {
  if (s.version === null)
    return s.serverVersion === null
      ? 'Encryption keys are not backed up: on a new device, old encrypted messages would stay unreadable.'
      : 'This account has a key backup, but this device does not use it yet: restore it with your recovery key.';
  return `Encryption keys are backed up (${s.keys.backedUp} of ${s.keys.total} on this device).`;
}

function AccountKeyBackup({ account }: { account: Account }) {
  const client = useClient();
  const [status, setStatus] = useState<KeyBackupStatusView | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recoveryKey, setRecoveryKey] = useState<string | null>(null);
  const [typed, setTyped] = useState('');

  const refresh = useCallback(() => {
    client.call('keyBackup.status', { accountId: account.id }).then(setStatus, (err: unknown) => {
      setNote(errorMessage(err));
    });
  }, [client, account.id]);
  useEffect(refresh, [refresh]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setNote(null);
    try {
      await work();
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setBusy(false);
      refresh();
    }
  };
  const setUp = () =>
    run(async () => {
      const r = await client.call('keyBackup.setUp', { accountId: account.id });
      setRecoveryKey(r.recoveryKey);
    });
  const restore = () =>
    run(async () => {
      const r = await client.call('keyBackup.restore', {
        accountId: account.id,
        recoveryKey: typed,
      });
      setTyped('');
      setNote(
        `Restored ${r.imported} of ${r.total} keys: encrypted messages waiting for them decrypt with the next sync.`,
      );
    });
  const copy = () =>
    void navigator.clipboard.writeText(recoveryKey ?? '').then(
      () => setNote('Recovery key copied.'),
      () => setNote('Could not copy: select it and copy by hand.'),
    );

  const inputId = `recovery-key-${account.id}`;
  return (
    <div className="key-backup" aria-label={`Key backup for ${account.label}`} role="group">
      <h4>{account.label}</h4>
      <p>{status ? describe(status) : 'Checking key backup…'}</p>
      {recoveryKey ? (
        <div className="recovery-key">
          <p>
            Your recovery key. Save it somewhere safe now: Parley does not keep it and will not show
            it again.
          </p>
          <code aria-label="Recovery key" tabIndex={0}>
            {recoveryKey}
          </code>
          <button type="button" onClick={copy}>
            Copy recovery key
          </button>
          <button type="button" onClick={() => setRecoveryKey(null)}>
            I have saved it
          </button>
        </div>
      ) : null}
      {status && status.serverVersion === null && !recoveryKey ? (
        <button type="button" disabled={busy} onClick={() => void setUp()}>
          Set up backup
        </button>
      ) : null}
      {status && status.serverVersion !== null && status.version === null ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void restore();
          }}
        >
          <label htmlFor={inputId}>Recovery key</label>
          <input
            id={inputId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <button type="submit" disabled={busy || typed.trim() === ''}>
            Restore from backup
          </button>
        </form>
      ) : null}
      {note ? <p role="status">{note}</p> : null}
    </div>
  );
}
