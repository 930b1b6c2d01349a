// What the user sees of end-to-end encryption's trust: this device, other
// sessions, users' identities and interactive verifications. Protocol-neutral
// views (Matrix is the one protocol with them today). Imports nothing.

/**
 * Where a verification is, from the user's side:
 * - `requested`: the other side asks; Accept or Cancel;
 * - `waiting`: waiting for the other side (to accept, or to start comparing);
 * - `ready`: both sides agreed; the emoji comparison starts next;
 * - `started`: the other side started the comparison; Accept it;
 * - `compare`: the emoji (and numbers) are shown: Confirm / They don't match;
 * - `confirmed`: we confirmed, waiting for the other side's confirmation;
 * - `done`: the device (and user) are verified; `cancelled`: see `cancel`.
 */
export const VERIFICATION_PHASES = [
  'requested',
  'waiting',
  'ready',
  'started',
  'compare',
  'confirmed',
  'done',
  'cancelled',
] as const;
export type VerificationPhase = (typeof VERIFICATION_PHASES)[number];

export interface VerificationEmoji {
  symbol: string;
  /** Its English name, as the spec lists it ("Dog", "Rocket"). */
  name: string;
}

export interface VerificationView {
  accountId: number;
  flowId: string;
  /** The other user (our own id when verifying another of our devices). */
  userId: string;
  /** The other device, once known. */
  deviceId: string | null;
  /** In-room flows: the chat's remote id; null for to-device flows. */
  roomId: string | null;
  weStarted: boolean;
  phase: VerificationPhase;
  /** The seven emoji to compare, from `compare` on. */
  emoji: VerificationEmoji[] | null;
  /** The three four-digit numbers, for those who cannot compare emoji. */
  decimals: number[] | null;
  /** Why it ended, when cancelled (code is the spec's, e.g. m.mismatched_sas, m.user). */
  cancel: { code: string; reason: string; byUs: boolean } | null;
}

export interface DeviceView {
  deviceId: string;
  displayName: string | null;
  /** The device's fingerprint (ed25519 key, base64), when its keys are known. */
  ed25519: string | null;
  /** Trusted: cross-signed by a verified owner, or verified by hand. */
  verified: boolean;
  /** Signed by its owner's self-signing key. */
  crossSigned: boolean;
  /** This very device (the one Parley runs as). */
  current: boolean;
  /** Own devices: last seen, from the server (epoch ms), when it says. */
  lastSeenTs: number | null;
  lastSeenIp: string | null;
}

export interface UserTrustView {
  userId: string;
  /** The user has a cross-signing identity we know. */
  hasIdentity: boolean;
  verified: boolean;
  /** We verified this user before (possibly an older identity). */
  wasVerified: boolean;
  /** A user we verified now shows another identity: warn before trusting them. */
  identityChanged: boolean;
  /** The master key (base64) of the identity shown now. */
  masterKey: string | null;
}

export interface SecurityStatus {
  userId: string;
  deviceId: string;
  /** This device's fingerprint (ed25519, base64) and Curve25519 key. */
  ed25519: string;
  curve25519: string;
  /** Which private cross-signing keys this device holds. */
  crossSigning: { master: boolean; selfSigning: boolean; userSigning: boolean };
  /** This device is signed by our self-signing key (verified for our other sessions). */
  deviceCrossSigned: boolean;
  masterKey: string | null;
}

/** What a connector's security reports as it happens (the daemon turns them into API events). */
export type SecurityEvent =
  | { kind: 'verification'; verification: Omit<VerificationView, 'accountId'> }
  | { kind: 'identityChanged'; userId: string; masterKey: string | null };
