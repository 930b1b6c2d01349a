// Workspaces and the account registry rows. Secrets never live here: the
// keychain holds them, keyed by `secretKey(account)`.
import type { WriteDb } from './database.js';
import type { Account, AccountStatus, Protocol, Workspace } from '../model/types.js';
import { isDiskFull } from './diskFull.js';
import { clearVocabulary } from './search/vocabularyIndexer.js';

interface AccountRow {
  id: number;
  workspace_id: number;
  protocol: Protocol;
  server: string;
  username: string;
  label: string;
  status: AccountStatus;
  status_detail: string | null;
  created_at: number;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  workspaceId: r.workspace_id,
  protocol: r.protocol,
  server: r.server,
  username: r.username,
  label: r.label,
  status: r.status,
  statusDetail: r.status_detail,
  createdAt: r.created_at,
});

export class AccountAlreadyExistsError extends Error {
  constructor(protocol: string, server: string, username: string) {
    super(`An account for ${username} on ${server} (${protocol}) already exists.`);
    this.name = 'AccountAlreadyExistsError';
  }
}

export class AccountRegistry {
  /**
   * Statuses that could not be stored (the disk was full): the status says
   * so, so it must reach the API even when the database cannot take it.
   */
  private readonly unsaved = new Map<number, { status: AccountStatus; detail: string | null }>();

  constructor(private readonly db: WriteDb) {}

  private withUnsaved = (a: Account): Account => {
    const u = this.unsaved.get(a.id);
    return u ? { ...a, status: u.status, statusDetail: u.detail } : a;
  };

  workspaces(): Workspace[] {
    return this.db
      .prepare(`SELECT id, name, position FROM workspaces ORDER BY position, id`)
      .all() as Workspace[];
  }

  /** The workspace with this name, created when missing. */
  ensureWorkspace(name: string): Workspace {
    this.db
      .prepare(
        `INSERT INTO workspaces (name, position)
         VALUES (?, (SELECT coalesce(max(position), -1) + 1 FROM workspaces))
         ON CONFLICT (name) DO NOTHING`,
      )
      .run(name);
    return this.db
      .prepare(`SELECT id, name, position FROM workspaces WHERE name = ?`)
      .get(name) as Workspace;
  }

  add(input: {
    protocol: Protocol;
    server: string;
    username: string;
    label?: string;
    workspace?: string;
  }): Account {
    if (this.find(input.protocol, input.server, input.username))
      throw new AccountAlreadyExistsError(input.protocol, input.server, input.username);
    const workspace = this.ensureWorkspace(input.workspace ?? 'Personal');
    const id = this.db
      .prepare(
        `INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        workspace.id,
        input.protocol,
        input.server,
        input.username,
        input.label ?? `${input.username} (${input.protocol})`,
        Date.now(),
      ).lastInsertRowid as number;
    return this.get(id)!;
  }

  find(protocol: Protocol, server: string, username: string): Account | null {
    const id = this.db
      .prepare(`SELECT id FROM accounts WHERE protocol = ? AND server = ? AND username = ?`)
      .pluck()
      .get(protocol, server, username) as number | undefined;
    return id === undefined ? null : this.get(id);
  }

  get(id: number): Account | null {
    const row = this.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(id) as
      AccountRow | undefined;
    return row ? this.withUnsaved(toAccount(row)) : null;
  }

  list(): Account[] {
    return (this.db.prepare(`SELECT * FROM accounts ORDER BY id`).all() as AccountRow[]).map((r) =>
      this.withUnsaved(toAccount(r)),
    );
  }

  /** Removes the account and, by cascade, everything synced for it. */
  remove(id: number): boolean {
    return this.db.transaction(() => {
      // Contentless FTS rows are not covered by the cascade.
      this.db
        .prepare(
          `DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE account_id = ?)`,
        )
        .run(id);
      const removed = this.db.prepare(`DELETE FROM accounts WHERE id = ?`).run(id).changes > 0;
      // The substring vocabulary does not know whose words it holds: it is refilled from what stays.
      if (removed) clearVocabulary(this.db);
      return removed;
    })();
  }

  /** Never fails for a full disk: the status is then kept in memory until it can be stored. */
  setStatus(id: number, status: AccountStatus, detail: string | null = null): void {
    try {
      this.db
        .prepare(`UPDATE accounts SET status = ?, status_detail = ? WHERE id = ?`)
        .run(status, detail, id);
      this.unsaved.delete(id);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.unsaved.set(id, { status, detail });
    }
  }
}

/** The keychain entry name for an account's credentials. */
export function secretKey(account: Pick<Account, 'protocol' | 'server' | 'username'>): string {
  return `${account.protocol}:${account.username}@${account.server}`;
}
