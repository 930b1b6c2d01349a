// The left rail: every workspace, its accounts under it, and "All chats".
import type { Account, Workspace } from '../../../main/daemon/model/types.js';
import type { ChatScope } from '../lib/chatOrder.js';

interface Props {
  workspaces: Workspace[];
  accounts: Account[];
  scope: ChatScope;
  onScope(scope: ChatScope): void;
  onAddAccount(): void;
  onSettings(): void;
  error: string | null;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('') || '?';

const sameScope = (a: ChatScope, b: ChatScope) => JSON.stringify(a) === JSON.stringify(b);

export function WorkspaceRail(props: Props) {
  const { workspaces, accounts, scope, onScope, onAddAccount, onSettings, error } = props;
  const item = (target: ChatScope, label: string, badge: string, title: string, extra?: string) => (
    <button
      type="button"
      className={`rail-item${extra ? ` ${extra}` : ''}`}
      aria-pressed={sameScope(scope, target)}
      title={title}
      onClick={() => onScope(target)}
    >
      <span className="rail-badge" aria-hidden="true">
        {badge}
      </span>
      <span className="rail-label">{label}</span>
    </button>
  );
  return (
    <nav className="rail" aria-label="Workspaces and accounts">
      <ul role="list" className="rail-list">
        <li>{item({ kind: 'all' }, 'All chats', '∗', 'All chats (unified inbox)')}</li>
        {workspaces.map((w) => (
          <li key={w.id}>
            {item(
              { kind: 'workspace', workspaceId: w.id },
              w.name,
              initials(w.name),
              `Workspace ${w.name}`,
            )}
            <ul role="list" className="rail-accounts" aria-label={`Accounts in ${w.name}`}>
              {accounts
                .filter((a) => a.workspaceId === w.id)
                .map((a) => (
                  <li key={a.id}>
                    {item(
                      { kind: 'account', accountId: a.id },
                      a.label,
                      a.protocol.slice(0, 2).toUpperCase(),
                      `${a.label} — ${a.protocol}, ${a.status}${a.statusDetail ? `: ${a.statusDetail}` : ''}`,
                      `account status-${a.status}`,
                    )}
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
      <div className="rail-tools">
        <button type="button" className="rail-item" onClick={onAddAccount} title="Add an account">
          <span className="rail-badge" aria-hidden="true">
            +
          </span>
          <span className="rail-label">Add account</span>
        </button>
        <button type="button" className="rail-item" onClick={onSettings} title="Settings">
          <span className="rail-badge" aria-hidden="true">
            ⚙
          </span>
          <span className="rail-label">Settings</span>
        </button>
      </div>
      {error ? (
        <p className="rail-error" role="alert">
          {error}
        </p>
      ) : null}
    </nav>
  );
}
