// The js-sdk peer's side of cross-signing and SAS verification, as Element
// does it with matrix-js-sdk's Rust crypto: bootstrap (or reset) its
// cross-signing with the password, answer or start verification requests,
// show the emoji and confirm (or say they don't match).
import type { AuthDict } from 'matrix-js-sdk';
import {
  CryptoEvent,
  VerificationPhase,
  VerificationRequestEvent,
  VerifierEvent,
  type ShowSasCallbacks,
  type VerificationRequest,
  type Verifier,
} from 'matrix-js-sdk/lib/crypto-api/index.js';
import type { RegisteredUser } from '../servers/synapse/harness.js';
import type { JsSdkPeer } from './jsSdkPeer.js';
import { waitFor } from './fixtures.js';

export { VerificationPhase };

const cryptoOf = (peer: JsSdkPeer) => peer.client.getCrypto()!;

/** Makes (or, with `reset`, replaces) the peer's cross-signing identity, answering UIA with the password. */
export async function peerBootstrapCrossSigning(
  peer: JsSdkPeer,
  user: RegisteredUser,
  reset = false,
): Promise<void> {
  await cryptoOf(peer).bootstrapCrossSigning({
    setupNewCrossSigning: reset,
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: user.userId },
        password: user.password,
      } as AuthDict);
    },
  });
}

/** Collects the verification requests others send the peer. */
export function collectRequests(peer: JsSdkPeer): VerificationRequest[] {
  const got: VerificationRequest[] = [];
  peer.client.on(CryptoEvent.VerificationRequestReceived, (r: VerificationRequest) => got.push(r));
  return got;
}

export function waitPhase(
  request: VerificationRequest,
  phase: VerificationPhase,
  what: string,
): Promise<true> {
  return waitFor(what, () => (request.phase === phase ? true : null), 90_000);
}

/** The peer's side of the emoji comparison once a SAS verifier exists: resolves with its emoji. */
export async function peerSas(
  request: VerificationRequest,
): Promise<{ verifier: Verifier; sas: ShowSasCallbacks; done: Promise<void> }> {
  const verifier = await waitFor('the peer has a verifier', () => request.verifier ?? null, 90_000);
  const shown = new Promise<ShowSasCallbacks>((resolve) =>
    verifier.once(VerifierEvent.ShowSas, resolve),
  );
  const done = verifier.verify();
  done.catch(() => undefined);
  const sas = verifier.getShowSasCallbacks() ?? (await shown);
  return { verifier, sas, done };
}

/** Waits until a request changes (phase, cancel) — for tests that read its fields after. */
export function onChange(request: VerificationRequest, fn: () => void): void {
  request.on(VerificationRequestEvent.Change, fn);
}

export async function peerStartsDeviceVerification(
  peer: JsSdkPeer,
  userId: string,
  deviceId: string,
): Promise<VerificationRequest> {
  return cryptoOf(peer).requestDeviceVerification(userId, deviceId);
}

export async function peerStartsDmVerification(
  peer: JsSdkPeer,
  userId: string,
  roomId: string,
): Promise<VerificationRequest> {
  return cryptoOf(peer).requestVerificationDM(userId, roomId);
}

export async function peerSeesDeviceVerified(
  peer: JsSdkPeer,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  const s = await cryptoOf(peer).getDeviceVerificationStatus(userId, deviceId);
  return s?.isVerified() ?? false;
}

export async function peerSeesUserVerified(peer: JsSdkPeer, userId: string): Promise<boolean> {
  return (await cryptoOf(peer).getUserVerificationStatus(userId)).isCrossSigningVerified();
}

export async function peerSeesDeviceSignedByOwner(
  peer: JsSdkPeer,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  const s = await cryptoOf(peer).getDeviceVerificationStatus(userId, deviceId);
  return s?.signedByOwner ?? false;
}
