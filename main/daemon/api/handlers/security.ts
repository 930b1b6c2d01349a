// End-to-end security: this device and cross-signing, other sessions, users'
// trust, interactive verification. Each call goes to the account's connector's
// `security` (connectors/security.ts); a protocol without it answers
// not_implemented, an account without a crypto store encryption_unavailable.
import { ApiError } from '../contract.js';
import type { HandlerContext, Handlers } from './context.js';
import type { Account } from '../../model/types.js';
import type { VerificationView } from '../../model/security.js';
import type { ConnectorContext } from '../../connectors/connector.js';
import type {
  ConnectorSecurity,
  ConnectorVerification,
  VerificationAction,
} from '../../connectors/security.js';
import { AuthError, EncryptionUnavailableError, PermanentError } from '../../connectors/errors.js';

/** Verification steps wait on the other side's server round trips. */
const SECURITY_TIMEOUT_MS = 60_000;

export function securityHandlers(ctx: HandlerContext) {
  const { store, accountOrThrow, connectorFor, contextFor, chatOrThrow } = ctx;

  async function withSecurity<T>(
    accountId: number,
    fn: (s: ConnectorSecurity, c: ConnectorContext, account: Account) => Promise<T>,
  ): Promise<T> {
    const account = accountOrThrow(accountId);
    const connector = await connectorFor(
      account,
      (c) => (c as { security?: ConnectorSecurity }).security !== undefined,
      'verify devices',
    );
    const security = (connector as { security?: ConnectorSecurity }).security!;
    try {
      return await fn(security, await contextFor(account, SECURITY_TIMEOUT_MS), account);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof EncryptionUnavailableError)
        throw new ApiError('encryption_unavailable', err.message);
      if (err instanceof AuthError) throw new ApiError('auth_failed', err.message);
      // A refusal by the server (a wrong password, an unknown device) is the user's to read.
      if (err instanceof PermanentError) throw new ApiError('conflict', err.message);
      if (
        err instanceof Error &&
        /^no (such verification|verification|emoji|such device)/.test(err.message)
      )
        throw new ApiError('not_found', err.message);
      throw err;
    }
  }

  const withAccount = (accountId: number, v: ConnectorVerification): VerificationView => ({
    accountId,
    ...v,
  });

  const step = (action: VerificationAction) => (input: { accountId: number; flowId: string }) =>
    withSecurity(input.accountId, async (s, c) =>
      withAccount(input.accountId, await s.act(c, input.flowId, action)),
    );

  return {
    'security.status': ({ accountId }) => withSecurity(accountId, (s, c) => s.status(c)),
    'security.bootstrapCrossSigning': ({ accountId, password, reset }) =>
      withSecurity(accountId, (s, c) => s.bootstrapCrossSigning(c, password, reset ?? false)),
    'security.devices': ({ accountId, userId }) =>
      withSecurity(accountId, (s, c) => s.devices(c, userId ?? null)),
    'security.signOutDevice': ({ accountId, deviceId, password }) =>
      withSecurity(accountId, async (s, c) => {
        await s.deleteDevice(c, deviceId, password);
        return { signedOut: true as const };
      }),
    'security.userTrust': ({ accountId, userIds }) =>
      withSecurity(accountId, (s, c) => s.userTrust(c, userIds)),
    'security.acceptIdentityChange': ({ accountId, userId }) =>
      withSecurity(accountId, async (s, c) => {
        await s.acceptIdentityChange(c, userId);
        return { accepted: true as const };
      }),
    'verification.request': ({ accountId, userId, deviceId, chatId }) =>
      withSecurity(accountId, async (s, c) => {
        let roomId: string | null = null;
        if (chatId !== undefined) {
          const chat = chatOrThrow(chatId);
          if (chat.accountId !== accountId)
            throw new ApiError('invalid_input', 'that chat belongs to another account');
          roomId = chat.remoteId;
        }
        return withAccount(
          accountId,
          await s.requestVerification(c, { userId, deviceId: deviceId ?? null, roomId }),
        );
      }),
    'verification.list': async ({ accountId }) => {
      const accounts =
        accountId !== undefined ? [accountOrThrow(accountId)] : store.accounts.list();
      const out: VerificationView[] = [];
      for (const account of accounts) {
        // Flows live in a running account's crypto; a stopped one has none to show.
        if (accountId === undefined && !ctx.engine.isRunning(account.id)) continue;
        const security = (
          (await ctx.engine.connector(account)) as { security?: ConnectorSecurity } | undefined
        )?.security;
        if (!security) continue;
        const found = await withSecurity(account.id, (s, c) => s.verifications(c)).catch(
          (err: unknown) => {
            // One account without encryption does not hide the others' verifications.
            if (accountId === undefined && err instanceof ApiError) return [];
            throw err;
          },
        );
        out.push(...found.map((v) => withAccount(account.id, v)));
      }
      return out;
    },
    'verification.accept': step('accept'),
    'verification.confirm': step('confirm'),
    'verification.mismatch': step('mismatch'),
    'verification.cancel': step('cancel'),
  } satisfies Partial<Handlers>;
}
