// What a connector with end-to-end encryption offers beyond sync and writes:
// its device, cross-signing, other sessions, users' trust and interactive
// verification. Optional (only Matrix has it): the API finds it as
// `connector.security` and answers not_implemented without it.
import type { ConnectorContext } from './connector.js';
import type {
  DeviceView,
  SecurityStatus,
  UserTrustView,
  VerificationView,
} from '../model/security.js';

export type VerificationAction = 'accept' | 'confirm' | 'mismatch' | 'cancel';

/** A verification as the connector sees it (the API adds the account id). */
export type ConnectorVerification = Omit<VerificationView, 'accountId'>;

export interface ConnectorSecurity {
  status(ctx: ConnectorContext): Promise<SecurityStatus>;
  /**
   * Makes our cross-signing identity (or replaces it, with `reset`) and signs
   * this device with it. The server asks for the account password
   * (user-interactive auth); a wrong one is a PermanentError.
   */
  bootstrapCrossSigning(
    ctx: ConnectorContext,
    password: string,
    reset: boolean,
  ): Promise<SecurityStatus>;
  /** A user's devices with their trust (ours when `userId` is null, with last-seen from the server). */
  devices(ctx: ConnectorContext, userId: string | null): Promise<DeviceView[]>;
  /** Signs out one of our other sessions (deletes the device; needs the password). */
  deleteDevice(ctx: ConnectorContext, deviceId: string, password: string): Promise<void>;
  userTrust(ctx: ConnectorContext, userIds: string[]): Promise<UserTrustView[]>;
  /** After an identity-change warning: the new identity is accepted (not verified). */
  acceptIdentityChange(ctx: ConnectorContext, userId: string): Promise<void>;
  /**
   * Asks `userId` to verify: one device (to-device), all our other devices
   * (our own id, no device), or in a direct chat with them (`roomId`).
   */
  requestVerification(
    ctx: ConnectorContext,
    target: { userId: string; deviceId: string | null; roomId: string | null },
  ): Promise<ConnectorVerification>;
  verifications(ctx: ConnectorContext): Promise<ConnectorVerification[]>;
  act(
    ctx: ConnectorContext,
    flowId: string,
    action: VerificationAction,
  ): Promise<ConnectorVerification>;
}
