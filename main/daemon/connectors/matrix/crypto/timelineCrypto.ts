// Encrypted timeline events, before mapping: each m.room.encrypted event is
// decrypted in place (its type and content become the clear event's, so the
// mappers and the search index see plaintext), and its sender device and
// trust are remembered for the message. An event whose key has not arrived
// stays encrypted (the mapper makes it a placeholder) and waits in the
// connector state `e2ee_waiting`, committed with the batch; when its key
// arrives (to-device, forwarded) it is decrypted and its message replaces
// the placeholder.
import * as z from 'zod';
import type { MessageEncryption, RemoteMessage, SyncBatch } from '../../../model/types.js';
import type { ConnectorContext } from '../../connector.js';
import { loadRoomInfo, mapSync, type StateReader } from '../syncMapper.js';
import { accountCrypto, type MatrixAccount } from '../account.js';
import { localpart, type MappingContext } from '../mapping/common.js';
import { mapRoomEvents } from '../mapping/messages.js';
import { roomEventSchema, type RoomEvent, type SyncResponse } from '../wire.js';
import type { AccountCrypto } from './accountCrypto.js';
import { followSecurity } from './accountSecurity.js';

export const WAITING_STATE = 'e2ee_waiting';
/** Beyond this, the oldest waiting events are forgotten (they stay placeholders). */
const MAX_WAITING = 5000;

const waitingSchema = z.array(
  z.object({ roomId: z.string(), sessionId: z.string().nullable(), event: roomEventSchema }),
);
type Waiting = z.infer<typeof waitingSchema>[number];

/** What one pass found: per event id its encryption, and the waiting list when it changed. */
export class DecryptionPass {
  readonly encryption = new Map<string, MessageEncryption>();
  /** Events decrypted now whose placeholder is already stored (their key came late). */
  readonly late: { roomId: string; event: RoomEvent }[] = [];
  /** What was committed, so a batch writes the list only when it changed. */
  private readonly before: string;
  /** By event id, oldest first. */
  private readonly waiting: Map<string, Waiting>;

  constructor(committed: Waiting[]) {
    this.waiting = new Map(committed.map((w) => [w.event.event_id, w]));
    this.before = idsOf(this.waiting);
  }

  wait(roomId: string, sessionId: string | null, event: RoomEvent): void {
    if (this.waiting.has(event.event_id)) return;
    this.waiting.set(event.event_id, { roomId, sessionId, event });
    for (const id of this.waiting.keys()) {
      if (this.waiting.size <= MAX_WAITING) break;
      this.waiting.delete(id);
    }
  }

  /** No longer waiting (decrypted after all). */
  drop(eventId: string): void {
    this.waiting.delete(eventId);
  }

  take(pick: (w: Waiting) => boolean): Waiting[] {
    const taken = [...this.waiting.values()].filter(pick);
    for (const w of taken) this.waiting.delete(w.event.event_id);
    return taken;
  }

  /** Puts the waiting list (when it changed), late messages and encryption info into the batch. */
  applyTo(batch: SyncBatch, mapping: MappingContext, read: StateReader): void {
    if (idsOf(this.waiting) !== this.before)
      batch.state = { ...batch.state, [WAITING_STATE]: [...this.waiting.values()] };
    for (const { roomId, event } of this.late) {
      const info = loadRoomInfo(read, roomId);
      const r = mapRoomEvents(
        roomId,
        [event],
        mapping,
        (u) => info?.names[u] ?? localpart(u),
        info,
      );
      batch.messages = [...(batch.messages ?? []), ...r.messages];
      batch.edits = [...(batch.edits ?? []), ...r.edits];
      batch.reactionsAdded = [...(batch.reactionsAdded ?? []), ...r.reactionsAdded];
    }
    for (const m of batch.messages ?? []) this.annotate(m);
  }

  annotate(m: RemoteMessage): void {
    const e = this.encryption.get(m.remoteId);
    if (e) m.encryption = e;
  }
}

const idsOf = (waiting: Map<string, Waiting>) => [...waiting.keys()].sort().join('\n');

export function startPass(read: StateReader): DecryptionPass {
  return new DecryptionPass(read.state(WAITING_STATE, waitingSchema) ?? []);
}

/** Decrypts a room's events in place; what cannot be decrypted waits for its key. */
export async function decryptEvents(
  crypto: AccountCrypto,
  pass: DecryptionPass,
  roomId: string,
  events: RoomEvent[],
): Promise<void> {
  for (const e of events) {
    if (e.type !== 'm.room.encrypted' || e.unsigned?.redacted_because !== undefined) continue;
    const original = structuredClone(e);
    const r = await crypto.decrypt(roomId, e);
    if (r.ok) {
      e.type = r.type;
      e.content = r.content;
      pass.encryption.set(e.event_id, { senderDevice: r.senderDevice, trust: r.trust });
      // A replay (a sync whose batch was lost) may find it still waiting.
      pass.drop(e.event_id);
    } else pass.wait(roomId, r.sessionId, original);
  }
}

/**
 * The crypto part of one /sync, in the order the spec and matrix-js-sdk
 * require: to-device events and key counts first (a room key may be among
 * them), then the timelines, then the waiting events whose key arrived.
 */
export async function decryptSync(
  crypto: AccountCrypto,
  res: SyncResponse,
  read: StateReader,
): Promise<DecryptionPass> {
  const keys = await crypto.receiveSyncChanges(res);
  // Key upload and replenishment, key queries for changed device lists.
  crypto.kickOutgoing();
  const pass = startPass(read);
  const members: string[] = [];
  for (const [roomId, room] of [
    ...Object.entries(res.rooms?.join ?? {}),
    ...Object.entries(res.rooms?.leave ?? {}),
  ]) {
    const timeline = room.timeline?.events ?? [];
    const encrypted =
      loadRoomInfo(read, roomId)?.encrypted === true ||
      [...(room.state?.events ?? []), ...timeline].some((e) => e.type === 'm.room.encryption');
    if (encrypted)
      for (const e of [...(room.state?.events ?? []), ...timeline])
        if (e.type === 'm.room.member' && e.state_key) members.push(e.state_key);
    await decryptEvents(crypto, pass, roomId, timeline);
  }
  // Whose devices we follow: members of encrypted rooms as they show up.
  await crypto.updateTrackedUsers(members);
  // Keys from this sync's to-device messages, and any restored from the key backup since the last sync.
  const restored = crypto.backup?.takeImported() ?? [];
  const arrived = new Set([...keys, ...restored].map((k) => `${k.roomId}\n${k.sessionId}`));
  const retryAll = !crypto.retriedAtStart;
  crypto.retriedAtStart = true;
  const due = pass.take((w) => retryAll || arrived.has(`${w.roomId}\n${w.sessionId}`));
  for (const w of due) {
    const r = await crypto.decrypt(w.roomId, w.event);
    if (!r.ok) {
      pass.wait(w.roomId, r.sessionId, w.event);
      continue;
    }
    const event = { ...w.event, type: r.type, content: r.content };
    pass.encryption.set(event.event_id, { senderDevice: r.senderDevice, trust: r.trust });
    pass.late.push({ roomId: w.roomId, event });
  }
  return pass;
}

/** One /sync → one batch, its encrypted events decrypted first when the account can. */
export async function mapSyncDecrypted(
  ctx: ConnectorContext,
  a: MatrixAccount,
  res: SyncResponse,
): Promise<SyncBatch> {
  const crypto = await accountCrypto(ctx, a);
  const pass = crypto
    ? await decryptSync(crypto, res, ctx)
    : a.cryptoDir && a.session.cryptoKey
      ? waitForStore(res, ctx)
      : null;
  if (crypto) await followSecurity(crypto, a.transport, res, ctx.security, (l) => ctx.log(l));
  const batch = mapSync(res, a.mapping, ctx);
  pass?.applyTo(batch, a.mapping, ctx);
  return batch;
}

/**
 * This account has a crypto store, but this session could not open it (another
 * process has it): its encrypted events wait, and the next session that has
 * the store decrypts them (everything waiting is retried at start).
 */
function waitForStore(res: SyncResponse, read: StateReader): DecryptionPass {
  const pass = startPass(read);
  for (const [roomId, room] of [
    ...Object.entries(res.rooms?.join ?? {}),
    ...Object.entries(res.rooms?.leave ?? {}),
  ])
    for (const e of room.timeline?.events ?? [])
      if (e.type === 'm.room.encrypted' && e.unsigned?.redacted_because === undefined)
        pass.wait(
          roomId,
          typeof e.content.session_id === 'string' ? e.content.session_id : null,
          structuredClone(e),
        );
  return pass;
}
