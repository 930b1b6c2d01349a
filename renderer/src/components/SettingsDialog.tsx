// Settings: accounts, notifications, security (devices, verification, key
// backup: accounts that encrypt) and the user's data (export, backups).
import type { Account } from '../../../main/daemon/model/types.js';
import type { SettingsState } from '../hooks/useSettings.js';
import type { ShownProgress } from '../hooks/useSyncProgress.js';
import { AccountsSettings } from './AccountsSettings.js';
import { Dialog } from './Dialog.js';
import { NotificationSettings } from './NotificationSettings.js';
import { DataSettings } from './DataSettings.js';
import { KeyBackupSettings } from './KeyBackupSettings.js';
import { SecuritySettings } from './SecuritySettings.js';

interface Props {
  accounts: Account[];
  settings: SettingsState;
  onAddAccount(): void;
  onAccountsChanged(): void;
  onClose(): void;
  /** Each syncing account's progress, shown on its row. */
  progress?: Map<number, ShownProgress>;
}

export function SettingsDialog({
  accounts,
  settings,
  onAddAccount,
  onAccountsChanged,
  onClose,
  progress,
}: Props) {
  return (
    <Dialog title="Settings" onClose={onClose} className="settings">
      <AccountsSettings
        accounts={accounts}
        progress={progress}
        onAdd={onAddAccount}
        onRemoved={onAccountsChanged}
      />
      <NotificationSettings state={settings} accounts={accounts} />
      <KeyBackupSettings accounts={accounts} />
      <SecuritySettings accounts={accounts} />
      <DataSettings />
    </Dialog>
  );
}
