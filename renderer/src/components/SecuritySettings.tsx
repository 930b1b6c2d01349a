// Settings → Security & devices, per account that encrypts: this session (its
// id and fingerprint, whether it is cross-signed, setting cross-signing up with
// the password) and the other sessions (verify one, sign one out with the
// password). The daemon does the work (security.* procedures).
import { useCallback, useEffect, useState } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';
import type { DeviceView, SecurityStatus } from '../../../main/daemon/model/security.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

/** A key in groups of four, as Element shows fingerprints. */
export const fingerprint = (key: string) => key.replace(/(.{4})/g, '$1 ').trim();

export function SecuritySettings({ accounts }: { accounts: Account[] }) {
  const shown = accounts.filter((a) => a.encrypts);
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="security-settings">
      <h3 id="security-settings">Security &amp; devices</h3>
      {shown.map((a) => (
        <AccountSecurity key={a.id} account={a} />
      ))}
    </section>
  );
}

function AccountSecurity({ account }: { account: Account }) {
  const client = useClient();
  const [status, setStatus] = useState<SecurityStatus | null>(null);
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [signingOut, setSigningOut] = useState<string | null>(null);

  const load = useCallback(() => {
    client
      .call('security.status', { accountId: account.id })
      .then(setStatus, (err: unknown) => setNote(errorMessage(err)));
    client
      .call('security.devices', { accountId: account.id })
      .then(setDevices, () => setDevices(null));
  }, [client, account.id]);
  useEffect(load, [load]);

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setNote(null);
    try {
      await what();
      setPassword('');
      setSigningOut(null);
      setNote(done);
      load();
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const label = `${account.label || account.username}`;
  const passwordField = (id: string) => (
    <label className="field" htmlFor={id}>
      Account password
      <input
        id={id}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
    </label>
  );
  return (
    <div className="account-security" aria-label={`Security of ${label}`} role="group">
      <h4>{label}</h4>
      {status ? (
        <>
          <p>
            This session: <strong>{status.deviceId}</strong>
            <br />
            Fingerprint: <span className="fingerprint">{fingerprint(status.ed25519)}</span>
          </p>
          <p>
            {status.deviceCrossSigned
              ? '✓ Cross-signing is set up and this session is signed.'
              : status.crossSigning.master
                ? 'Cross-signing is set up; this session will be signed once the server confirms.'
                : 'Cross-signing is not set up: your other sessions cannot vouch for this one.'}
          </p>
          {!status.crossSigning.master ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void run(
                  () =>
                    client.call('security.bootstrapCrossSigning', {
                      accountId: account.id,
                      password,
                    }),
                  'Cross-signing is set up.',
                );
              }}
            >
              {passwordField(`xs-password-${account.id}`)}
              <button type="submit" disabled={busy || !password}>
                Set up cross-signing
              </button>
            </form>
          ) : null}
        </>
      ) : null}
      <h5>Other sessions</h5>
      {devices === null ? (
        <p>Loading sessions…</p>
      ) : devices.filter((d) => !d.current).length === 0 ? (
        <p>No other sessions.</p>
      ) : (
        <ul className="security-devices" aria-label={`Other sessions of ${label}`}>
          {devices
            .filter((d) => !d.current)
            .map((d) => (
              <li key={d.deviceId} className="security-device">
                <span>
                  {d.displayName ?? d.deviceId} <small>({d.deviceId})</small>
                </span>
                <span className="trust-badge">{d.verified ? '✓ Verified' : 'Not verified'}</span>
                {d.lastSeenTs ? (
                  <small>last seen {new Date(d.lastSeenTs).toLocaleString()}</small>
                ) : null}
                {!d.verified && d.ed25519 ? (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void run(
                        () =>
                          client.call('verification.request', {
                            accountId: account.id,
                            userId: status?.userId ?? account.username,
                            deviceId: d.deviceId,
                          }),
                        `Verification requested: accept it on ${d.displayName ?? d.deviceId}.`,
                      )
                    }
                  >
                    Verify
                  </button>
                ) : null}
                {signingOut === d.deviceId ? (
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      void run(
                        () =>
                          client.call('security.signOutDevice', {
                            accountId: account.id,
                            deviceId: d.deviceId,
                            password,
                          }),
                        `${d.displayName ?? d.deviceId} is signed out.`,
                      );
                    }}
                  >
                    {passwordField(`so-password-${account.id}-${d.deviceId}`)}
                    <button type="submit" className="danger" disabled={busy || !password}>
                      Sign out this session
                    </button>
                    <button type="button" onClick={() => setSigningOut(null)}>
                      Keep it
                    </button>
                  </form>
                ) : (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => setSigningOut(d.deviceId)}
                  >
                    Sign out…
                  </button>
                )}
              </li>
            ))}
        </ul>
      )}
      {note ? <p role="status">{note}</p> : null}
    </div>
  );
}
