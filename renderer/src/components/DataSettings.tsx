// Settings → Your data: export every chat (JSON and HTML with attachments),
// and the automatic backups the daemon keeps.
import { useEffect, useState } from 'react';
import type { BackupView } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';

export function DataSettings() {
  const client = useClient();
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [backups, setBackups] = useState<BackupView[] | null>(null);

  useEffect(() => {
    let live = true;
    client.call('profile.health', {}).then(
      (h) => live && setBackups(h.backups),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);

  const exportAll = async () => {
    setBusy(true);
    setNote('Exporting every chat…');
    try {
      const r = await client.call('export.chats', {});
      setNote(`Exported ${r.chats} chats, ${r.messages} messages to ${r.dir}`);
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const newest = backups?.[0];
  return (
    <section aria-labelledby="data-settings">
      <h3 id="data-settings">Your data</h3>
      <button type="button" disabled={busy} onClick={() => void exportAll()}>
        Export all chats (JSON and HTML)
      </button>
      {note ? <p role="status">{note}</p> : null}
      <p className="data-note">
        {newest
          ? `Automatic backup: last made ${new Date(newest.createdAt).toLocaleString()} (${backups!.length} kept).`
          : 'Automatic backups are made once a day.'}
      </p>
    </section>
  );
}
