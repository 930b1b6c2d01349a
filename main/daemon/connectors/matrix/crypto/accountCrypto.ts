// One account's end-to-end encryption: the native Olm machine (our device,
// its keys and sessions, in its own encrypted SQLite store) and the rules
// matrix-js-sdk's rust-crypto follows around it:
// - the outgoing-requests loop is serialised: one pass at a time, and a call
//   during a pass makes it run once more (so every caller's request is sent);
// - key claims (/keys/claim for missing Olm sessions) are locked globally, so
//   two rooms never claim the same device's one-time key twice;
// - room-key sharing is locked per room, so two sends to one room never make
//   two Megolm sessions.
// Nothing here reads the store or writes batches: sync hands it to-device
// events and encrypted room events, actions hand it content to encrypt.
import * as z from 'zod';
import type { MatrixTransport } from '../transport.js';
import { ENCRYPTION_TRUSTS, type EncryptionTrust } from '../../../model/types.js';
import type { RoomEvent, SyncResponse } from '../wire.js';
import type { NativeCryptoMachine } from './native.js';
import { outgoingRequestSchema, sendCryptoRequest, type OutgoingRequest } from './requests.js';
import { Mutex } from './mutex.js';
import type { KeyBackup } from './keyBackup.js';

export interface DecryptedEvent {
  ok: true;
  /** The clear event's type and content (m.relates_to kept from the cleartext when absent). */
  type: string;
  content: Record<string, unknown>;
  senderDevice: string | null;
  trust: EncryptionTrust;
}
export interface UndecryptableEvent {
  ok: false;
  sessionId: string | null;
  /** missing_key, unknown_index, withheld, malformed, … (the binding's words). */
  reason: string;
}

const identitySchema = z.object({
  user_id: z.string(),
  device_id: z.string(),
  ed25519: z.string(),
  curve25519: z.string(),
});
const syncChangesAnswer = z.object({
  room_keys: z.array(z.object({ room_id: z.string(), session_id: z.string() })),
  to_device: z.number(),
});
const decryptAnswer = z.union([
  z.object({
    decrypted: z.object({
      event: z.looseObject({ type: z.string(), content: z.record(z.string(), z.unknown()) }),
      sender: z.string(),
      sender_device: z.string().nullable(),
      trust: z.string(),
    }),
  }),
  z.object({ utd: z.object({ session_id: z.string().nullish(), reason: z.string() }) }),
]);

export interface RoomSharing {
  /** Everyone whose devices get the room key: joined members, and invited ones unless history is "joined". */
  members: string[];
  historyVisibility: string;
  rotationPeriodMs: number | null;
  rotationPeriodMsgs: number | null;
}

/** A sync with nothing for the crypto still reaches the machine this often (receiveSyncChanges). */
export const RECEIVE_AT_LEAST_EVERY_MS = 30_000;

export class AccountCrypto {
  private pass: Promise<void> | null = null;
  private again = false;
  private readonly claims = new Mutex();
  private readonly rooms = new Map<string, Mutex>();
  private readonly stop = new AbortController();
  /** Waiting events are retried once per process start, in case their key came in a sync whose batch was lost. */
  retriedAtStart = false;
  /** Server-side key backup (set by cryptoStore.ts when the account opens). */
  backup: KeyBackup | null = null;
  /** Told which users' keys a /keys/query brought (trust watching, crypto/trustWatch.ts). */
  onKeysQueried: ((users: string[]) => void) | null = null;
  /** The key counts last handed to the machine, and when (receiveSyncChanges). */
  private lastKeyCounts: string | null = null;
  private lastReceivedAt = -Infinity;
  /**
   * Whether the machine holds a verification request that is not cancelled
   * (going on, or done and not collected): set by crypto/verification.ts,
   * which knows whom to ask.
   */
  holdsVerifications: (() => boolean) | null = null;

  constructor(
    readonly machine: NativeCryptoMachine,
    private readonly transport: MatrixTransport,
    private readonly log: (line: string) => void,
  ) {}

  identity(): z.infer<typeof identitySchema> {
    return identitySchema.parse(JSON.parse(this.machine.identity()));
  }

  /**
   * To-device events, device-list changes, one-time-key counts and unused
   * fallback keys of one /sync: must run before the sync's timeline is
   * decrypted (a room key may be in it). Returns the room keys that arrived.
   */
  async receiveSyncChanges(
    res: SyncResponse,
    now = performance.now(),
  ): Promise<{ roomId: string; sessionId: string }[]> {
    const r = res;
    const toDevice = r.to_device?.events ?? [];
    const changed = r.device_lists?.changed ?? [];
    const left = r.device_lists?.left ?? [];
    // Absent means the server does not report fallback keys: leave them alone.
    const fallbackKeys = r.device_unused_fallback_key_types ?? null;
    const keyCounts = JSON.stringify([r.device_one_time_keys_count ?? {}, fallbackKeys]);
    // A sync with nothing for the crypto (most of them: a message, a receipt,
    // someone typing) changes nothing the machine keeps, yet the call saves
    // its account in a store transaction: 3.7 ms of every message's way to
    // the screen, and a disk write per sync. Such syncs skip it, at most
    // RECEIVE_AT_LEAST_EVERY_MS apart: the call also ends timed-out
    // verifications, retries key requests waiting for a device and rotates
    // an expired fallback key.
    // Not while the machine holds a verification request: the call starts
    // with its verification garbage collection (matrix-sdk-crypto's
    // VerificationMachine::garbage_collect), which drops done and cancelled
    // flows. A finished flow left in place makes the machine cancel, in our
    // name, the next flow with that user (insert_request and
    // VerificationCache::insert cancel both when another with the user is not
    // cancelled, done or not). So while it holds one that is not cancelled,
    // every sync reaches the machine, as before the skip; that also keeps
    // the timeouts of flows going on as prompt as before.
    if (
      toDevice.length === 0 &&
      changed.length === 0 &&
      left.length === 0 &&
      keyCounts === this.lastKeyCounts &&
      now - this.lastReceivedAt < RECEIVE_AT_LEAST_EVERY_MS &&
      !(this.holdsVerifications?.() ?? false)
    )
      return [];
    const answer = syncChangesAnswer.parse(
      JSON.parse(
        await this.machine.receiveSyncChanges(
          JSON.stringify({
            to_device_events: toDevice,
            device_lists: { changed, left },
            one_time_keys_counts: r.device_one_time_keys_count ?? {},
            unused_fallback_keys: fallbackKeys,
            next_batch_token: res.next_batch,
          }),
        ),
      ),
    );
    this.lastKeyCounts = keyCounts;
    this.lastReceivedAt = now;
    return answer.room_keys.map((k) => ({ roomId: k.room_id, sessionId: k.session_id }));
  }

  /**
   * The machine's verification garbage collection, now: done and cancelled
   * flows dropped, timed-out ones cancelled. It only runs at the start of
   * receiveSyncChanges, so a flow that finished since the last sync is still
   * held, and a new flow with the same user would be cancelled by the
   * machine at once (see receiveSyncChanges). An empty sync change carries no
   * key counts and no sync token, so nothing else the machine keeps moves.
   */
  async collectVerifications(): Promise<void> {
    await this.machine.receiveSyncChanges('{}');
  }

  /**
   * Sends everything the machine wants sent (key upload and replenishment,
   * key queries, to-device messages), serialised: while a pass runs, a new
   * call asks for one more pass and waits for it.
   */
  processOutgoing(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          const requests = z
            .array(outgoingRequestSchema)
            .parse(JSON.parse(await this.machine.outgoingRequests()));
          for (const r of requests) await this.send(r);
          // New room keys go to the backup (when it is on) in the same serialised pass.
          await this.backup?.upload(this.stop.signal);
        } while (this.again && !this.stop.signal.aborted);
      } finally {
        this.pass = null;
      }
    };
    this.pass = run();
    return this.pass;
  }

  /** processOutgoing in the background: a failure is logged, and the next sync tries again. */
  kickOutgoing(): void {
    this.processOutgoing().catch((err: unknown) => {
      if (!this.stop.signal.aborted) this.log(`crypto requests failed: ${(err as Error).message}`);
    });
  }

  async updateTrackedUsers(users: Iterable<string>): Promise<void> {
    const list = [...new Set(users)];
    if (list.length > 0) await this.machine.updateTrackedUsers(JSON.stringify(list));
  }

  async decrypt(roomId: string, event: RoomEvent): Promise<DecryptedEvent | UndecryptableEvent> {
    const answer = decryptAnswer.parse(
      JSON.parse(await this.machine.decrypt(roomId, JSON.stringify({ ...event, room_id: roomId }))),
    );
    if ('utd' in answer)
      return { ok: false, sessionId: answer.utd.session_id ?? null, reason: answer.utd.reason };
    const d = answer.decrypted;
    const content = { ...d.event.content };
    // Relations stay in the cleartext of m.room.encrypted (spec): carry them over.
    const cleartextRelation = event.content['m.relates_to'];
    if (content['m.relates_to'] === undefined && cleartextRelation !== undefined)
      content['m.relates_to'] = cleartextRelation;
    return {
      ok: true,
      type: d.event.type,
      content,
      senderDevice: d.sender_device,
      trust: (ENCRYPTION_TRUSTS as readonly string[]).includes(d.trust)
        ? (d.trust as EncryptionTrust)
        : 'unverified',
    };
  }

  /**
   * Encrypts one event for a room: tracks the members, waits for their device
   * keys, opens missing Olm sessions (global claim lock), shares the room key
   * (per-room lock, rotating as the room's settings and membership require),
   * then encrypts. Returns the m.room.encrypted content.
   */
  async encrypt(
    roomId: string,
    sharing: RoomSharing,
    type: string,
    content: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const lock = this.rooms.get(roomId) ?? new Mutex();
    this.rooms.set(roomId, lock);
    return lock.run(async () => {
      await this.updateTrackedUsers(sharing.members);
      await this.processOutgoing();
      const users = JSON.stringify(sharing.members);
      await this.claims.run(async () => {
        const claim = JSON.parse(await this.machine.getMissingSessions(users)) as unknown;
        if (claim) await this.send(outgoingRequestSchema.parse(claim), signal);
      });
      const shares = z.array(outgoingRequestSchema).parse(
        JSON.parse(
          await this.machine.shareRoomKey(
            roomId,
            users,
            JSON.stringify({
              history_visibility: sharing.historyVisibility,
              rotation_period_ms: sharing.rotationPeriodMs,
              rotation_period_msgs: sharing.rotationPeriodMsgs,
            }),
          ),
        ),
      );
      for (const r of shares) await this.send(r, signal);
      return z
        .record(z.string(), z.unknown())
        .parse(JSON.parse(await this.machine.encrypt(roomId, type, JSON.stringify(content))));
    });
  }

  close(): void {
    this.stop.abort();
    this.machine.close();
  }

  /** Sends one of the machine's requests and hands the answer back to it. */
  async send(r: OutgoingRequest, signal?: AbortSignal): Promise<void> {
    const s = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    const answer = await sendCryptoRequest(this.transport, r, s);
    await this.machine.markRequestAsSent(r.id, r.kind, answer);
    if (r.kind === 'keys_query' && this.onKeysQueried) {
      const asked = (r.body as { device_keys?: Record<string, unknown> } | null)?.device_keys;
      this.onKeysQueried(Object.keys(asked ?? {}));
    }
  }
}
