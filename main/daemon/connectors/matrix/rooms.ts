// Room membership writes: create (and direct chats with m.direct), join by id
// or alias (accepting an invitation), leave (declining one), forget, invite,
// kick, ban, unban. Each is one outbox entry; see actions.ts.
import * as z from 'zod';
import type { WriteResult } from '../connector.js';
import type { OpOf } from '../../model/ops.js';
import { enc, MatrixHttpError, type MatrixTransport } from './transport.js';
import { roomIdSchema } from './wire.js';

const C = '/_matrix/client/v3';

type CreateOp = OpOf<'chatCreate'>;
type MemberOp = OpOf<'chatMember'>;

export interface RoomWriter {
  transport: MatrixTransport;
  userId: string;
  signal: AbortSignal;
  /** Rooms created per idempotency key in this process: a retry never makes a second room. */
  created: Map<string, string>;
}

export async function createRoom(w: RoomWriter, op: CreateOp, key: string): Promise<WriteResult> {
  const done = w.created.get(key);
  if (done) return { remoteId: done };
  const invite = op.invite ?? [];
  const isPublic = op.visibility === 'public';
  const { room_id } = await w.transport.json('POST', `${C}/createRoom`, roomIdSchema, {
    signal: w.signal,
    body: {
      preset: op.direct ? 'trusted_private_chat' : isPublic ? 'public_chat' : 'private_chat',
      visibility: isPublic ? 'public' : 'private',
      ...(op.name ? { name: op.name } : {}),
      ...(op.topic ? { topic: op.topic } : {}),
      invite,
      is_direct: op.direct === true,
      // Marks the room as ours for this write (a later dedupe can find it).
      creation_content: { 'dev.parley.idempotency_key': key },
    },
  });
  w.created.set(key, room_id);
  if (op.direct && invite[0]) await addDirect(w, invite[0], room_id);
  return { remoteId: room_id };
}

/** Joins a room by id or alias; accepting a direct invitation records it in m.direct. */
export async function joinRoom(
  w: RoomWriter,
  target: string,
  directWith: string | null,
): Promise<WriteResult> {
  const { room_id } = await w.transport.json('POST', `${C}/join/${enc(target)}`, roomIdSchema, {
    signal: w.signal,
    body: {},
  });
  if (directWith) await addDirect(w, directWith, room_id);
  return { remoteId: room_id };
}

export async function leaveRoom(w: RoomWriter, roomId: string, forget: boolean): Promise<void> {
  try {
    await w.transport.json('POST', `${C}/rooms/${enc(roomId)}/leave`, z.unknown(), {
      signal: w.signal,
      body: {},
    });
  } catch (err) {
    // Already gone (left, kicked, never joined): forgetting is still possible.
    if (!(forget && err instanceof MatrixHttpError && (err.status === 403 || err.status === 404)))
      throw err;
  }
  if (forget)
    await w.transport.json('POST', `${C}/rooms/${enc(roomId)}/forget`, z.unknown(), {
      signal: w.signal,
      body: {},
    });
}

export async function memberAction(w: RoomWriter, op: MemberOp): Promise<void> {
  const body: Record<string, unknown> = { user_id: op.personRemoteId };
  if (op.reason && op.action !== 'invite') body.reason = op.reason;
  try {
    await w.transport.json('POST', `${C}/rooms/${enc(op.chatRemoteId)}/${op.action}`, z.unknown(), {
      signal: w.signal,
      body,
    });
  } catch (err) {
    // A retry of an invite that already went through: the state the user wants is there.
    if (
      op.action === 'invite' &&
      err instanceof MatrixHttpError &&
      err.status === 403 &&
      /already in the room|is already invited/i.test(err.message)
    )
      return;
    throw err;
  }
}

/** Adds the room to m.direct under the other user (the account data other clients read). */
export async function addDirect(w: RoomWriter, other: string, roomId: string): Promise<void> {
  const path = `${C}/user/${enc(w.userId)}/account_data/m.direct`;
  let content: Record<string, unknown> = {};
  try {
    content = await w.transport.json('GET', path, z.record(z.string(), z.unknown()), {
      signal: w.signal,
    });
  } catch (err) {
    if (!(err instanceof MatrixHttpError && err.status === 404)) throw err;
  }
  const rooms = Array.isArray(content[other])
    ? (content[other] as unknown[]).filter((r): r is string => typeof r === 'string')
    : [];
  if (rooms.includes(roomId)) return;
  await w.transport.json('PUT', path, z.unknown(), {
    signal: w.signal,
    body: { ...content, [other]: [...rooms, roomId] },
  });
}
