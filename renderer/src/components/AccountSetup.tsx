// Adding an account: pick the protocol, then server, username and password.
// The daemon signs in (accounts.add); its typed errors land on the fields
// they are about.
import { useState, type FormEvent } from 'react';
import type { Account, Protocol, Workspace } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { CallError, errorMessage } from '../api/callError.js';
import {
  PROTOCOL_INFO,
  PROTOCOL_ORDER,
  accountErrors,
  type AccountField,
} from '../lib/protocols.js';
import { Dialog } from './Dialog.js';
import { FormField } from './FormField.js';

interface Props {
  workspaces: Workspace[];
  onAdded(account: Account): void;
  onClose(): void;
}

export function AccountSetup({ workspaces, onAdded, onClose }: Props) {
  const client = useClient();
  const [protocol, setProtocol] = useState<Protocol | null>(null);
  const [values, setValues] = useState<Record<AccountField, string>>({
    server: '',
    username: '',
    password: '',
    label: '',
    workspace: workspaces[0]?.name ?? 'Personal',
  });
  const [errors, setErrors] = useState<{
    form: string | null;
    fields: Partial<Record<AccountField, string>>;
  }>({
    form: null,
    fields: {},
  });
  const [busy, setBusy] = useState(false);

  const set = (field: AccountField) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!protocol || busy) return;
    setBusy(true);
    setErrors({ form: null, fields: {} });
    try {
      const account = await client.call('accounts.add', {
        protocol,
        server: values.server.trim(),
        username: values.username.trim(),
        password: values.password,
        ...(values.label.trim() ? { label: values.label.trim() } : {}),
        ...(values.workspace.trim() ? { workspace: values.workspace.trim() } : {}),
      });
      onAdded(account);
    } catch (err) {
      setErrors(
        err instanceof CallError
          ? accountErrors(err.code, err.message, err.issues, protocol)
          : { form: errorMessage(err), fields: {} },
      );
    } finally {
      setBusy(false);
    }
  };

  if (!protocol)
    return (
      <Dialog title="Add an account" onClose={onClose} className="account-setup">
        <p>What kind of account?</p>
        <ul className="protocol-picker" role="list">
          {PROTOCOL_ORDER.map((p) => (
            <li key={p}>
              <button type="button" onClick={() => setProtocol(p)}>
                <strong>{PROTOCOL_INFO[p].label}</strong>
                <span className="muted">{PROTOCOL_INFO[p].description}</span>
              </button>
            </li>
          ))}
        </ul>
      </Dialog>
    );

  const info = PROTOCOL_INFO[protocol];
  return (
    <Dialog title={`Add a ${info.label} account`} onClose={onClose} className="account-setup">
      <form onSubmit={(e) => void submit(e)} noValidate>
        {errors.form ? (
          <p className="notice error" role="alert">
            {errors.form}
          </p>
        ) : null}
        <FormField
          id="acct-server"
          label={info.serverLabel}
          type="url"
          placeholder={info.serverPlaceholder}
          value={values.server}
          onChange={set('server')}
          error={errors.fields.server}
          required
          autoFocus
        />
        <FormField
          id="acct-username"
          label={info.userLabel}
          placeholder={info.userPlaceholder}
          value={values.username}
          onChange={set('username')}
          error={errors.fields.username}
          autoComplete="username"
          required
        />
        <FormField
          id="acct-password"
          label="Password"
          type="password"
          value={values.password}
          onChange={set('password')}
          error={errors.fields.password}
          autoComplete="current-password"
          required
        />
        <FormField
          id="acct-label"
          label="Name in Parley (optional)"
          value={values.label}
          onChange={set('label')}
          error={errors.fields.label}
        />
        <FormField
          id="acct-workspace"
          label="Workspace"
          list="acct-workspaces"
          value={values.workspace}
          onChange={set('workspace')}
          error={errors.fields.workspace}
        />
        <datalist id="acct-workspaces">
          {workspaces.map((w) => (
            <option key={w.id} value={w.name} />
          ))}
        </datalist>
        <div className="dialog-actions">
          <button type="button" onClick={() => setProtocol(null)} disabled={busy}>
            Back
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
