// Devices and users' trust. Our own sessions come from the server's /devices
// (names, last seen) joined with what the crypto knows of their keys and
// trust; another user's devices from the crypto alone. Signing out a session
// is deleting its device (UIA with the password). Trust changes are watched
// as key queries come back: a user we verified who shows a new identity is
// reported once (an `identityChanged` security event), until it is accepted
// or verified again.
import * as z from 'zod';
import type { DeviceView, SecurityEvent, UserTrustView } from '../../../model/security.js';
import type { AccountCrypto } from './accountCrypto.js';
import type { SecurityNative } from './securityNative.js';
import { enc, type MatrixTransport } from '../transport.js';
import type { MatrixSession } from '../wire.js';
import { withPasswordAuth } from './uia.js';
import { PermanentError } from '../../errors.js';

const serverDevicesSchema = z.object({
  devices: z.array(
    z.looseObject({
      device_id: z.string(),
      display_name: z.string().nullish(),
      last_seen_ts: z.number().nullish(),
      last_seen_ip: z.string().nullish(),
    }),
  ),
});

export async function listDevices(
  native: SecurityNative,
  transport: MatrixTransport,
  session: MatrixSession,
  userId: string | null,
  signal: AbortSignal,
): Promise<DeviceView[]> {
  const who = userId ?? session.userId;
  const known = new Map((await native.devices(who)).map((d) => [d.device_id, d]));
  const view = (deviceId: string, extra: Partial<DeviceView> = {}): DeviceView => {
    const d = known.get(deviceId);
    return {
      deviceId,
      displayName: d?.display_name ?? null,
      ed25519: d?.ed25519 ?? null,
      verified: d?.verified ?? false,
      crossSigned: d?.cross_signed ?? false,
      current: who === session.userId && deviceId === session.deviceId,
      lastSeenTs: null,
      lastSeenIp: null,
      ...extra,
    };
  };
  if (who !== session.userId) return [...known.keys()].sort().map((id) => view(id));
  const server = await transport.json('GET', '/_matrix/client/v3/devices', serverDevicesSchema, {
    signal,
  });
  return server.devices
    .map((d) =>
      view(d.device_id, {
        displayName: d.display_name ?? known.get(d.device_id)?.display_name ?? null,
        lastSeenTs: d.last_seen_ts ?? null,
        lastSeenIp: d.last_seen_ip ?? null,
      }),
    )
    .sort(
      (a, b) => Number(b.current) - Number(a.current) || (b.lastSeenTs ?? 0) - (a.lastSeenTs ?? 0),
    );
}

export async function deleteDevice(
  session: MatrixSession,
  deviceId: string,
  password: string,
  signal: AbortSignal,
): Promise<void> {
  if (deviceId === session.deviceId)
    throw new PermanentError('this is the session Parley runs as: sign the account out instead');
  await withPasswordAuth(
    session,
    'DELETE',
    `/_matrix/client/v3/devices/${enc(deviceId)}`,
    {},
    password,
    signal,
  );
}

export function trustView(
  t: Awaited<ReturnType<SecurityNative['userTrust']>>[number],
): UserTrustView {
  return {
    userId: t.user_id,
    hasIdentity: t.has_identity,
    verified: t.verified,
    wasVerified: t.was_verified,
    identityChanged: t.changed,
    masterKey: t.master_key,
  };
}

/**
 * Watches users' identities as key queries come back, and reports a verified
 * user's identity change once per identity (the master key it changed to).
 */
export class TrustWatch {
  private readonly reported = new Map<string, string | null>();
  private sink: ((e: SecurityEvent) => void) | null = null;

  constructor(
    private readonly native: SecurityNative,
    crypto: AccountCrypto,
    private readonly log: (line: string) => void,
  ) {
    crypto.onKeysQueried = (users) => {
      this.check(users).catch((err: unknown) =>
        this.log(`trust check failed: ${(err as Error).message}`),
      );
    };
  }

  attach(sink: (e: SecurityEvent) => void): void {
    this.sink = sink;
  }

  async check(users: string[]): Promise<void> {
    if (users.length === 0) return;
    for (const t of await this.native.userTrust(users)) {
      if (!t.changed) {
        this.reported.delete(t.user_id);
        continue;
      }
      if (this.reported.has(t.user_id) && this.reported.get(t.user_id) === t.master_key) continue;
      this.reported.set(t.user_id, t.master_key);
      this.sink?.({ kind: 'identityChanged', userId: t.user_id, masterKey: t.master_key });
    }
  }
}
