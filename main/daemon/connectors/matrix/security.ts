// The Matrix connector's security (connectors/security.ts): this device,
// cross-signing, sessions, trust and verification, over the account's crypto
// (crypto/). Without a crypto store or module every call is refused with
// EncryptionUnavailableError.
import type { ConnectorContext } from '../connector.js';
import type { ConnectorSecurity, ConnectorVerification, VerificationAction } from '../security.js';
import { EncryptionUnavailableError } from '../errors.js';
import type { SessionCache } from '../sessionCache.js';
import { accountCrypto, type MatrixAccount } from './account.js';
import {
  accountSecurity,
  attachSecurity,
  SecurityUnsupportedError,
  type AccountSecurity,
} from './crypto/accountSecurity.js';
import type { AccountCrypto } from './crypto/accountCrypto.js';
import { bootstrapCrossSigning, securityStatus } from './crypto/crossSigning.js';
import { deleteDevice, listDevices, trustView } from './crypto/devices.js';

interface Parts {
  a: MatrixAccount;
  crypto: AccountCrypto;
  security: AccountSecurity;
}

export class MatrixSecurity implements ConnectorSecurity {
  constructor(private readonly accounts: SessionCache<MatrixAccount>) {}

  private with<T>(ctx: ConnectorContext, fn: (p: Parts) => Promise<T>): Promise<T> {
    return this.accounts.guard(ctx, async (a) => {
      const crypto = await accountCrypto(ctx, a);
      if (!crypto)
        throw new EncryptionUnavailableError(
          'end-to-end encryption is not available for this account (no crypto store or module)',
        );
      let security: AccountSecurity;
      try {
        security = accountSecurity(crypto, a.transport, (l) => ctx.log(l));
      } catch (err) {
        if (err instanceof SecurityUnsupportedError)
          throw new EncryptionUnavailableError(err.message);
        throw err;
      }
      attachSecurity(security, ctx.security);
      return fn({ a, crypto, security });
    });
  }

  status(ctx: ConnectorContext) {
    return this.with(ctx, ({ crypto, security }) => securityStatus(crypto, security.native));
  }

  bootstrapCrossSigning(ctx: ConnectorContext, password: string, reset: boolean) {
    return this.with(ctx, async ({ a, crypto, security }) => {
      await bootstrapCrossSigning(crypto, security.native, a.session, password, reset, ctx.signal);
      return securityStatus(crypto, security.native);
    });
  }

  devices(ctx: ConnectorContext, userId: string | null) {
    return this.with(ctx, async ({ a, crypto, security }) => {
      if (userId) {
        await crypto.updateTrackedUsers([userId]);
        await crypto.processOutgoing();
      }
      return listDevices(security.native, a.transport, a.session, userId, ctx.signal);
    });
  }

  deleteDevice(ctx: ConnectorContext, deviceId: string, password: string) {
    return this.accounts.guard(ctx, (a) => deleteDevice(a.session, deviceId, password, ctx.signal));
  }

  userTrust(ctx: ConnectorContext, userIds: string[]) {
    return this.with(ctx, async ({ security }) =>
      (await security.native.userTrust(userIds)).map(trustView),
    );
  }

  acceptIdentityChange(ctx: ConnectorContext, userId: string) {
    return this.with(ctx, async ({ security }) => {
      await security.native.acceptIdentityChange(userId);
      await security.trust.check([userId]);
    });
  }

  requestVerification(
    ctx: ConnectorContext,
    target: { userId: string; deviceId: string | null; roomId: string | null },
  ): Promise<ConnectorVerification> {
    return this.with(ctx, ({ security }) => security.verification.request(target));
  }

  verifications(ctx: ConnectorContext): Promise<ConnectorVerification[]> {
    return this.with(ctx, async ({ security }) => {
      await security.verification.refresh();
      return security.verification.list();
    });
  }

  act(
    ctx: ConnectorContext,
    flowId: string,
    action: VerificationAction,
  ): Promise<ConnectorVerification> {
    return this.with(ctx, ({ security }) => security.verification.act(flowId, action));
  }
}
