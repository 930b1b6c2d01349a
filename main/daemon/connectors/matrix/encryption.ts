// Writes into end-to-end encrypted rooms. Whether a room is encrypted is
// asked of the server right before each write (the synced state may be
// behind: a room may have turned encryption on after a write was queued), so
// nothing with content ever goes into an encrypted room in plaintext. With
// the account's crypto, the event is encrypted for every member's devices;
// without it (an old session, no crypto module), the write is refused.
import * as z from 'zod';
import type { ConnectorContext } from '../connector.js';
import { EncryptionUnavailableError } from '../errors.js';
import { enc, MatrixHttpError, type MatrixTransport } from './transport.js';
import { loadRoomInfo } from './syncMapper.js';
import { accountCrypto, C, type MatrixAccount } from './account.js';
import { roomEventSchema } from './wire.js';
import type { RoomSharing } from './crypto/accountCrypto.js';

const stateContent = z.record(z.string(), z.unknown());

/** A room state event's content, or null when the room has none. */
async function stateOf(
  transport: MatrixTransport,
  roomId: string,
  type: string,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  try {
    return await transport.json(
      'GET',
      `${C}/rooms/${enc(roomId)}/state/${enc(type)}/`,
      stateContent,
      {
        signal,
      },
    );
  } catch (err) {
    if (err instanceof MatrixHttpError && err.status === 404) return null;
    throw err;
  }
}

/** The room's m.room.encryption content as the server has it now, or null when it is not encrypted. */
export async function roomEncryption(
  transport: MatrixTransport,
  roomId: string,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  return stateOf(transport, roomId, 'm.room.encryption', signal);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/**
 * Who gets the room key and how long a Megolm session lives: the members
 * (joined, and invited unless history is visible to joined members only),
 * the room's history visibility and its rotation settings.
 */
async function roomSharing(
  transport: MatrixTransport,
  roomId: string,
  encryption: Record<string, unknown>,
  signal: AbortSignal,
): Promise<RoomSharing> {
  const hv = await stateOf(transport, roomId, 'm.room.history_visibility', signal);
  const historyVisibility =
    typeof hv?.history_visibility === 'string' ? hv.history_visibility : 'shared';
  const res = await transport.json(
    'GET',
    `${C}/rooms/${enc(roomId)}/members`,
    z.looseObject({ chunk: z.array(roomEventSchema) }),
    { signal, query: { not_membership: 'leave' } },
  );
  const members = res.chunk
    .filter((e) => e.type === 'm.room.member' && e.state_key)
    .filter((e) => {
      const m = e.content.membership;
      return m === 'join' || (m === 'invite' && historyVisibility !== 'joined');
    })
    .map((e) => e.state_key!);
  return {
    members,
    historyVisibility,
    rotationPeriodMs: num(encryption.rotation_period_ms),
    rotationPeriodMsgs: num(encryption.rotation_period_msgs),
  };
}

/**
 * The event to send: as it is in a room without encryption, else encrypted
 * (type m.room.encrypted). Refused when the room is encrypted and this
 * account cannot encrypt.
 */
export async function eventForRoom(
  ctx: ConnectorContext,
  a: MatrixAccount,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<{ type: string; content: Record<string, unknown> }> {
  const encryption = await roomEncryption(a.transport, roomId, ctx.signal);
  if (!encryption) {
    // The synced state says encrypted but the server does not: trust neither with plaintext.
    if (loadRoomInfo(ctx, roomId)?.encrypted) throw new EncryptionUnavailableError();
    return { type, content };
  }
  const crypto = await accountCrypto(ctx, a);
  if (!crypto) throw new EncryptionUnavailableError();
  const sharing = await roomSharing(a.transport, roomId, encryption, ctx.signal);
  return {
    type: 'm.room.encrypted',
    content: await crypto.encrypt(roomId, sharing, type, content, ctx.signal),
  };
}
