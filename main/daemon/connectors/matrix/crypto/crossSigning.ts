// Cross-signing: our identity (master, self-signing and user-signing keys,
// made by the machine and kept in its store) published with the account
// password, then this device signed with it, in the order the spec and
// matrix-js-sdk's CrossSigningIdentity use:
//   1. our device keys, if the server does not have them yet;
//   2. the public cross-signing keys (/keys/device_signing/upload, UIA);
//   3. the signatures (our device by the self-signing key, the master key by the device).
import type { SecurityStatus } from '../../../model/security.js';
import type { AccountCrypto } from './accountCrypto.js';
import type { SecurityNative } from './securityNative.js';
import { withPasswordAuth } from './uia.js';
import type { MatrixSession } from '../wire.js';

export async function bootstrapCrossSigning(
  crypto: AccountCrypto,
  native: SecurityNative,
  session: MatrixSession,
  password: string,
  reset: boolean,
  signal: AbortSignal,
): Promise<void> {
  const plan = await native.bootstrap(reset);
  if (plan.keys_upload) await crypto.send(plan.keys_upload, signal);
  const answer = await withPasswordAuth(
    session,
    'POST',
    '/_matrix/client/v3/keys/device_signing/upload',
    plan.signing_keys,
    password,
    signal,
  );
  await native.markSigningKeysUploaded(answer);
  if (plan.signatures) await crypto.send(plan.signatures, signal);
  // Our own keys, as the server now has them, so the machine sees this device signed.
  await crypto.updateTrackedUsers([session.userId]);
  await crypto.processOutgoing();
}

export async function securityStatus(
  crypto: AccountCrypto,
  native: SecurityNative,
): Promise<SecurityStatus> {
  const id = crypto.identity();
  const s = await native.crossSigningStatus();
  return {
    userId: id.user_id,
    deviceId: id.device_id,
    ed25519: id.ed25519,
    curve25519: id.curve25519,
    crossSigning: {
      master: s.has_master,
      selfSigning: s.has_self_signing,
      userSigning: s.has_user_signing,
    },
    deviceCrossSigned: s.device_cross_signed,
    masterKey: s.master_key,
  };
}
