// One account's security parts, made once per crypto machine (the machine is
// shared by every connector instance in the process, so are these): the typed
// native calls, the verification flows and the trust watch. The sync loop
// attaches its context's security sink on every sync, so what happens is
// reported to the daemon of the account that syncs.
import type { SecurityEvent } from '../../../model/security.js';
import type { AccountCrypto } from './accountCrypto.js';
import { SecurityNative } from './securityNative.js';
import { VerificationService } from './verification.js';
import { TrustWatch } from './devices.js';
import { enc, type MatrixTransport } from '../transport.js';
import * as z from 'zod';
import type { SyncResponse } from '../wire.js';

export interface AccountSecurity {
  native: SecurityNative;
  verification: VerificationService;
  trust: TrustWatch;
}

const parts = new WeakMap<AccountCrypto, AccountSecurity>();
let txn = 0;

/** Thrown when the loaded module was built before verification.rs (an old .node). */
export class SecurityUnsupportedError extends Error {}

export function accountSecurity(
  crypto: AccountCrypto,
  transport: MatrixTransport,
  log: (line: string) => void,
): AccountSecurity {
  let p = parts.get(crypto);
  if (!p) {
    if (!SecurityNative.supports(crypto.machine))
      throw new SecurityUnsupportedError(
        'the Matrix crypto module was built without verification: run node scripts/build-crypto.mjs',
      );
    const native = new SecurityNative(crypto.machine);
    // An in-room request goes out as it is, like the machine's own in-room
    // verification messages (matrix-js-sdk sends them so too).
    const sendRoomEvent = async (roomId: string, type: string, content: Record<string, unknown>) =>
      (
        await transport.json(
          'PUT',
          `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${enc(`pv${Date.now()}.${++txn}`)}`,
          z.object({ event_id: z.string() }),
          { body: content },
        )
      ).event_id;
    p = {
      native,
      verification: new VerificationService(crypto, native, sendRoomEvent),
      trust: new TrustWatch(native, crypto, log),
    };
    parts.set(crypto, p);
  }
  return p;
}

/** Points both reporters at the sync loop's sink (the daemon of this account). */
export function attachSecurity(
  p: AccountSecurity,
  sink: ((e: SecurityEvent) => void) | undefined,
): void {
  if (!sink) return;
  p.verification.attach(sink);
  p.trust.attach(sink);
}

/**
 * The security part of one /sync, after its events were decrypted: senders of
 * to-device events may be verifying with us, in-room verification events go
 * to the machine, and every flow's change is reported. A failure here is
 * logged and never stops the sync.
 */
export async function followSecurity(
  crypto: AccountCrypto,
  transport: MatrixTransport,
  res: SyncResponse,
  sink: ((e: SecurityEvent) => void) | undefined,
  log: (line: string) => void,
): Promise<void> {
  try {
    const p = accountSecurity(crypto, transport, log);
    attachSecurity(p, sink);
    p.verification.noteToDevice(res.to_device?.events ?? []);
    for (const [roomId, room] of Object.entries(res.rooms?.join ?? {}))
      await p.verification.receiveRoomEvents(roomId, room.timeline?.events ?? []);
    await p.verification.refresh();
  } catch (err) {
    // An old module: said once, not on every sync.
    if (err instanceof SecurityUnsupportedError) {
      if (!unsupportedLogged.has(crypto)) log(err.message);
      unsupportedLogged.add(crypto);
      return;
    }
    log(`verification step failed: ${(err as Error).message}`);
  }
}

const unsupportedLogged = new WeakSet<AccountCrypto>();
