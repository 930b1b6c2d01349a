// Interactive verification (SAS): who asks, then the seven emoji with their
// names and the three numbers, and Confirm / They don't match / Cancel. The
// daemon runs the protocol (verification.* procedures); this shows its phase.
import { useState } from 'react';
import type { VerificationView } from '../../../main/daemon/model/security.js';
import type { ProcedureName } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { Dialog } from './Dialog.js';

interface Props {
  verification: VerificationView;
  onChanged(v: VerificationView): void;
  onClose(): void;
}

type Step =
  'verification.accept' | 'verification.confirm' | 'verification.mismatch' | 'verification.cancel';

const who = (v: VerificationView) =>
  v.deviceId ? `${v.userId} (session ${v.deviceId})` : v.userId;

export function VerificationDialog({ verification: v, onChanged, onClose }: Props) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ended = v.phase === 'done' || v.phase === 'cancelled';

  const step = async (name: Step & ProcedureName) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await client.call(name, { accountId: v.accountId, flowId: v.flowId }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => (ended ? onClose() : void step('verification.cancel'));

  return (
    <Dialog title="Verify session" onClose={cancel} className="verification-dialog">
      <div className="verification-body" data-phase={v.phase}>
        {v.phase === 'requested' ? (
          <p>{who(v)} wants to verify with this session.</p>
        ) : v.phase === 'compare' ? (
          <>
            <p>Compare these emoji with the ones shown on {who(v)}, in the same order.</p>
            <ol className="sas-emoji" aria-label="Emoji to compare">
              {v.emoji?.map((e, i) => (
                <li key={i} className="sas-emoji-item">
                  <span className="sas-symbol" aria-hidden="true">
                    {e.symbol}
                  </span>
                  <span className="sas-name">{e.name}</span>
                </li>
              ))}
            </ol>
            {v.decimals ? (
              <p className="sas-decimals">
                Or compare these numbers: <strong>{v.decimals.join(' ')}</strong>
              </p>
            ) : null}
          </>
        ) : v.phase === 'confirmed' ? (
          <p>Waiting for {who(v)} to confirm…</p>
        ) : v.phase === 'done' ? (
          <p role="status">✓ {who(v)} is verified.</p>
        ) : v.phase === 'cancelled' ? (
          <p role="status">
            Verification cancelled
            {v.cancel
              ? v.cancel.code === 'm.mismatched_sas'
                ? ': the emoji did not match. Nobody was verified.'
                : v.cancel.byUs
                  ? '.'
                  : ` by the other side (${v.cancel.reason}).`
              : '.'}
          </p>
        ) : (
          <p>Waiting for {who(v)}…</p>
        )}
        {error ? <p role="alert">{error}</p> : null}
      </div>
      <div className="dialog-actions">
        {v.phase === 'requested' || v.phase === 'started' ? (
          <button type="button" disabled={busy} onClick={() => void step('verification.accept')}>
            Accept
          </button>
        ) : null}
        {v.phase === 'compare' ? (
          <>
            <button type="button" disabled={busy} onClick={() => void step('verification.confirm')}>
              Confirm
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => void step('verification.mismatch')}
            >
              They don't match
            </button>
          </>
        ) : null}
        <button type="button" disabled={busy && !ended} onClick={cancel}>
          {ended ? 'Done' : 'Cancel'}
        </button>
      </div>
    </Dialog>
  );
}
