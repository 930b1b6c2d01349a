// "Sign in again" for an account the server signed out: the password, then
// accounts.signIn (a new session to the keychain); nothing synced is lost.
import { useState, type FormEvent } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { strings } from '../lib/strings.js';
import { Dialog } from './Dialog.js';
import { FormField } from './FormField.js';

interface Props {
  account: Account;
  onSignedIn(account: Account): void;
  onClose(): void;
}

export function SignInDialog({ account, onSignedIn, onClose }: Props) {
  const client = useClient();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const s = strings.signIn;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await client.call('accounts.signIn', { accountId: account.id, password }));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={s.title(account.label)} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <p className="muted">{s.explain}</p>
        <p>
          {account.username} · {account.server}
        </p>
        <FormField
          id="sign-in-password"
          label={s.password}
          type="password"
          autoComplete="current-password"
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={error}
        />
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={busy || password === ''}>
            {busy ? s.working : s.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
