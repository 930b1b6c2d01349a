// Notifications: the do-not-disturb schedule, each account's level, and (in
// web mode) the browser's permission. Per-chat levels live in each chat's menu.
import { useState } from 'react';
import type { DndSchedule, NotifyLevel } from '../../../main/daemon/api/contract.js';
import type { Account } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import type { SettingsState } from '../hooks/useSettings.js';
import { NOTIFY_LABELS } from '../lib/chatFlags.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function NotificationSettings({
  state,
  accounts,
}: {
  state: SettingsState;
  accounts: Account[];
}) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const [permission, setPermission] = useState(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  const settings = state.settings;
  if (!settings) return <p className="muted">Loading…</p>;
  const dnd = settings.dnd;
  const saveDnd = (change: Partial<DndSchedule>) =>
    state
      .update({ dnd: { ...dnd, ...change } })
      .catch((err: unknown) => setError(errorMessage(err)));

  return (
    <section className="settings-section" aria-labelledby="notif-title">
      <h3 id="notif-title">Notifications</h3>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {client.mode === 'web' && permission !== 'granted' ? (
        <p>
          {permission === 'unsupported'
            ? 'This browser cannot show notifications.'
            : permission === 'denied'
              ? 'Notifications are blocked for this page in the browser settings.'
              : 'The browser needs your permission to show notifications.'}{' '}
          {permission === 'default' ? (
            <button
              type="button"
              onClick={() => void Notification.requestPermission().then(setPermission)}
            >
              Allow notifications
            </button>
          ) : null}
        </p>
      ) : null}
      <fieldset>
        <legend>Do not disturb</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={dnd.enabled}
            onChange={(e) => void saveDnd({ enabled: e.target.checked })}
          />
          Quiet hours
        </label>
        <div className="dnd-times">
          <label>
            From{' '}
            <input
              type="time"
              value={dnd.from}
              onChange={(e) => e.target.value && void saveDnd({ from: e.target.value })}
            />
          </label>
          <label>
            to{' '}
            <input
              type="time"
              value={dnd.to}
              onChange={(e) => e.target.value && void saveDnd({ to: e.target.value })}
            />
          </label>
        </div>
        <div className="dnd-days" role="group" aria-label="Days (none checked: every day)">
          {DAYS.map((d, i) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                checked={dnd.days.includes(i)}
                onChange={(e) =>
                  void saveDnd({
                    days: e.target.checked
                      ? [...dnd.days, i].sort()
                      : dnd.days.filter((x) => x !== i),
                  })
                }
              />
              {d}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Per account</legend>
        {accounts.length === 0 ? <p className="muted">No accounts yet.</p> : null}
        {accounts.map((a) => (
          <label key={a.id} className="account-level">
            {a.label}{' '}
            <select
              value={settings.accountNotify[String(a.id)] ?? 'default'}
              onChange={(e) =>
                void state
                  .update({
                    accountNotify: {
                      accountId: a.id,
                      level: e.target.value === 'default' ? null : (e.target.value as NotifyLevel),
                    },
                  })
                  .catch((err: unknown) => setError(errorMessage(err)))
              }
            >
              <option value="default">Each chat decides</option>
              {(Object.keys(NOTIFY_LABELS) as NotifyLevel[]).map((l) => (
                <option key={l} value={l}>
                  {NOTIFY_LABELS[l]}
                </option>
              ))}
            </select>
          </label>
        ))}
      </fieldset>
    </section>
  );
}
