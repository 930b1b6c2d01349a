// Parley cannot encrypt yet, so nothing with content may go into a room whose
// state has m.room.encryption. The API refuses such writes before queueing
// (the chat's `encrypted` flag); this is the last line for writes queued
// before the room turned encryption on: the synced room state first, then the
// server's current state, asked right before the write goes out.
import { z } from 'zod';
import { EncryptionUnavailableError } from '../errors.js';
import { enc, MatrixHttpError, type MatrixTransport } from './transport.js';
import { loadRoomInfo, type StateReader } from './syncMapper.js';

const C = '/_matrix/client/v3';

export async function refuseIfEncrypted(
  transport: MatrixTransport,
  read: StateReader,
  roomId: string,
  signal: AbortSignal,
): Promise<void> {
  if (loadRoomInfo(read, roomId)?.encrypted) throw new EncryptionUnavailableError();
  try {
    await transport.json(
      'GET',
      `${C}/rooms/${enc(roomId)}/state/m.room.encryption/`,
      z.record(z.string(), z.unknown()),
      { signal },
    );
  } catch (err) {
    // No such state event: the room is not encrypted.
    if (err instanceof MatrixHttpError && err.status === 404) return;
    throw err;
  }
  throw new EncryptionUnavailableError();
}
