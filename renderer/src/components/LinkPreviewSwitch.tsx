// Link previews on or off for one account (accounts.updateSettings): off, the
// daemon asks its server for none, so the server never sees which links arrive.
import { useEffect, useState } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

export function LinkPreviewSwitch({ account }: { account: Account }) {
  const client = useClient();
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client.call('accounts.settings', { accountId: account.id }).then(
      (s) => live && setOn(s.linkPreviews),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, account.id]);
  if (on === null) return null;
  return (
    <label className="link-preview-switch">
      <input
        type="checkbox"
        checked={on}
        onChange={(e) => {
          const want = e.target.checked;
          setError(null);
          client
            .call('accounts.updateSettings', { accountId: account.id, linkPreviews: want })
            .then(
              (s) => setOn(s.linkPreviews),
              (err: unknown) => setError(errorMessage(err)),
            );
        }}
      />{' '}
      Show link previews (fetched by {account.server.replace(/^https?:\/\//, '')})
      {error ? (
        <span className="error" role="alert">
          {' '}
          {error}
        </span>
      ) : null}
    </label>
  );
}
