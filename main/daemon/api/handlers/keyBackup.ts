// End-to-end encryption key backup: status, set-up (the recovery key comes
// back once) and restore with a recovery key. The connector does the work
// (Matrix: connectors/matrix/crypto/keyBackup.ts); here its refusals become
// API errors the user can act on. The recovery key is never logged or stored.
import { ApiError } from '../contract.js';
import type { Connector, ConnectorContext } from '../../connectors/connector.js';
import { EncryptionUnavailableError } from '../../connectors/errors.js';
import { KeyBackupError } from '../../connectors/matrix/crypto/keyBackupError.js';
import type { HandlerContext, Handlers } from './context.js';

/** A connector with server-side key backup (Matrix); optional, so not in the Connector interface. */
interface KeyBackupConnector {
  keyBackupStatus(ctx: ConnectorContext): Promise<{
    version: string | null;
    serverVersion: string | null;
    keys: { total: number; backedUp: number };
    secretStorage: boolean;
  }>;
  setUpKeyBackup(
    ctx: ConnectorContext,
    replace: boolean,
  ): Promise<{ recoveryKey: string; version: string }>;
  restoreKeyBackup(
    ctx: ConnectorContext,
    recoveryKey: string,
  ): Promise<{ version: string; imported: number; total: number; failed: number }>;
}

const CODES = {
  wrong_recovery_key: 'invalid_input',
  bad_recovery_key: 'invalid_input',
  no_backup: 'not_found',
  backup_exists: 'conflict',
} as const;

async function asApiErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof KeyBackupError) throw new ApiError(CODES[err.code], err.message);
    if (err instanceof EncryptionUnavailableError)
      throw new ApiError('encryption_unavailable', err.message);
    throw err;
  }
}

export function keyBackupHandlers({ accountOrThrow, connectorFor, contextFor }: HandlerContext) {
  const backupOf = async (accountId: number, timeoutMs?: number) => {
    const account = accountOrThrow(accountId);
    const connector = (await connectorFor(
      account,
      (c) => typeof (c as Partial<KeyBackupConnector>).restoreKeyBackup === 'function',
      'back up encryption keys',
    )) as Connector & KeyBackupConnector;
    return { connector, ctx: await contextFor(account, timeoutMs) };
  };
  return {
    'keyBackup.status': async ({ accountId }) => {
      const { connector, ctx } = await backupOf(accountId);
      return asApiErrors(connector.keyBackupStatus(ctx));
    },
    'keyBackup.setUp': async ({ accountId, replace }) => {
      const { connector, ctx } = await backupOf(accountId);
      return asApiErrors(connector.setUpKeyBackup(ctx, replace ?? false));
    },
    'keyBackup.restore': async ({ accountId, recoveryKey }) => {
      // A large backup takes a while to download and import.
      const { connector, ctx } = await backupOf(accountId, 10 * 60_000);
      return asApiErrors(connector.restoreKeyBackup(ctx, recoveryKey));
    },
  } satisfies Partial<Handlers>;
}
