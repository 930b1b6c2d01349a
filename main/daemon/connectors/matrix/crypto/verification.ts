// Interactive verification (SAS: emoji or numbers), to-device and in-room.
// The machine runs the protocol and keeps each flow in memory; this module
// feeds it in-room events, sends what it wants sent, turns its state into
// VerificationViews and reports every change (a `verification` security
// event). Two steps are taken without asking, since SAS is the only method
// Parley offers: a request we made starts the emoji comparison once the other
// side is ready, and a comparison the other side starts on a request we
// accepted is accepted. Everything else waits for the user: accept a request,
// confirm the emoji, say they don't match, cancel.
import type { RoomEvent } from '../wire.js';
import type { SecurityEvent, VerificationPhase } from '../../../model/security.js';
import type { ConnectorVerification, VerificationAction } from '../../security.js';
import type { OutgoingRequest } from './requests.js';
import type { AccountCrypto } from './accountCrypto.js';
import type { NativeVerification, SecurityNative } from './securityNative.js';
import { Mutex } from './mutex.js';

const VERIFICATION_TYPE = /^m\.key\.verification\./;

/** An in-room verification event (clear, or decrypted already). */
export function isVerificationEvent(e: {
  type: string;
  content: Record<string, unknown>;
}): boolean {
  return (
    VERIFICATION_TYPE.test(e.type) ||
    (e.type === 'm.room.message' && e.content.msgtype === 'm.key.verification.request')
  );
}

export function phaseOf(v: NativeVerification): VerificationPhase {
  switch (v.phase) {
    case 'created':
      return 'waiting';
    case 'requested':
      return 'requested';
    case 'ready':
      return 'ready';
    case 'done':
      return 'done';
    case 'cancelled':
      return 'cancelled';
    case 'transitioned':
      switch (v.sas?.phase) {
        case 'sas_started':
          return v.sas.we_started ? 'waiting' : 'started';
        case 'keys_exchanged':
          return 'compare';
        case 'confirmed':
          return 'confirmed';
        case 'done':
          return 'done';
        case 'cancelled':
          return 'cancelled';
        default:
          return 'waiting';
      }
  }
}

export function viewOf(v: NativeVerification): ConnectorVerification {
  const cancel = v.cancel ?? v.sas?.cancel ?? null;
  return {
    flowId: v.flow_id,
    userId: v.user_id,
    deviceId: v.device_id ?? v.sas?.device_id ?? null,
    roomId: v.room_id,
    weStarted: v.we_started,
    phase: phaseOf(v),
    emoji: v.sas?.emoji?.map((e) => ({ symbol: e.symbol, name: e.description })) ?? null,
    decimals: v.sas?.decimals ?? null,
    cancel: cancel && { code: cancel.code, reason: cancel.reason, byUs: cancel.by_us },
  };
}

export class VerificationService {
  /** Users a verification may be going on with (the machine lists flows per user). */
  private readonly users = new Set<string>();
  /** The last view reported per flow. */
  private readonly known = new Map<string, ConnectorVerification>();
  /** Flows whose request the user accepted: the comparison they start is accepted for them. */
  private readonly accepted = new Set<string>();
  /** Flows we already started the comparison of. */
  private readonly started = new Set<string>();
  private readonly lock = new Mutex();
  private sink: ((e: SecurityEvent) => void) | null = null;

  constructor(
    private readonly crypto: AccountCrypto,
    private readonly native: SecurityNative,
    private readonly sendRoomEvent: (
      roomId: string,
      type: string,
      content: Record<string, unknown>,
    ) => Promise<string>,
  ) {
    // Every request the machine holds is with one of `users` (its other side
    // wrote to us, or we asked them), so asking about them tells whether it
    // holds one. Cancelled ones do not count: the machine lets a new flow be
    // while an old one is cancelled, and their collection only frees memory.
    // A request another of our devices answered shows as cancelled too
    // (m.accepted); the machine never drops it, so counted it would keep
    // every sync reaching the machine to the end of the session, and
    // collecting it would change nothing. If the module cannot say, the sync
    // reaches the machine.
    crypto.holdsVerifications = () => {
      if (this.users.size === 0) return false;
      try {
        return this.native.verifications([...this.users]).some((v) => v.phase !== 'cancelled');
      } catch {
        return true;
      }
    };
  }

  attach(sink: (e: SecurityEvent) => void): void {
    this.sink = sink;
  }

  /** To-device events of a sync: their senders may have started (or answered) a verification. */
  noteToDevice(events: unknown[]): void {
    for (const e of events) {
      const sender = (e as { sender?: unknown } | null)?.sender;
      const type = (e as { type?: unknown } | null)?.type;
      if (typeof sender === 'string' && typeof type === 'string')
        if (VERIFICATION_TYPE.test(type) || type === 'm.room.encrypted') this.users.add(sender);
    }
  }

  /** A room's timeline (decrypted already): its verification events go to the machine. */
  async receiveRoomEvents(roomId: string, events: RoomEvent[]): Promise<void> {
    for (const e of events) {
      if (!isVerificationEvent(e)) continue;
      this.users.add(e.sender);
      await this.native.receiveVerificationEvent({ ...e, room_id: roomId });
    }
  }

  /** Reads every flow, reports what changed, and takes the automatic steps. */
  refresh(): Promise<void> {
    return this.lock.run(() => this.refreshNow());
  }

  private async refreshNow(): Promise<void> {
    if (this.users.size === 0) return;
    for (const v of this.native.verifications([...this.users])) {
      const view = viewOf(v);
      await this.autoStep(v, view);
      this.report(view);
    }
  }

  list(): ConnectorVerification[] {
    return [...this.known.values()];
  }

  async request(target: {
    userId: string;
    deviceId: string | null;
    roomId: string | null;
  }): Promise<ConnectorVerification> {
    return this.lock.run(() => this.requestNow(target));
  }

  private async requestNow(target: {
    userId: string;
    deviceId: string | null;
    roomId: string | null;
  }): Promise<ConnectorVerification> {
    this.users.add(target.userId);
    // Their keys first: the machine can only verify devices it knows.
    await this.crypto.updateTrackedUsers([target.userId]);
    await this.crypto.processOutgoing();
    // A flow with this user that finished since the last sync is still in the
    // machine until its garbage collection runs, and the machine would cancel
    // the new flow in our name (m.user) on seeing it: collect it first, after
    // reporting every flow as it stands (a collected flow is not seen again,
    // and a sync's own refresh may still be waiting for this lock).
    await this.refreshNow();
    await this.crypto.collectVerifications();
    let flowId: string;
    if (target.roomId) {
      const content = await this.native.roomVerificationContent(target.userId);
      const eventId = await this.sendRoomEvent(target.roomId, 'm.room.message', content);
      flowId = (await this.native.trackRoomVerification(target.userId, target.roomId, eventId))
        .flow_id;
    } else {
      const r = await this.native.requestDeviceVerification(target.userId, target.deviceId);
      await this.sendAll(r.requests);
      flowId = r.flow_id;
    }
    await this.refreshNow();
    return this.viewOrThrow(flowId);
  }

  act(flowId: string, action: VerificationAction): Promise<ConnectorVerification> {
    return this.lock.run(() => this.actNow(flowId, action));
  }

  private async actNow(flowId: string, action: VerificationAction): Promise<ConnectorVerification> {
    if (!this.known.has(flowId)) await this.refreshNow();
    const current = this.viewOrThrow(flowId);
    const user = current.userId;
    switch (action) {
      case 'accept':
        this.accepted.add(flowId);
        await this.sendAll(this.native.accept(user, flowId));
        break;
      case 'confirm': {
        const r = await this.native.confirm(user, flowId);
        await this.sendAll(r.requests);
        if (r.signatures) await this.crypto.send(r.signatures);
        break;
      }
      case 'mismatch':
      case 'cancel':
        await this.sendAll(this.native.cancel(user, flowId, action === 'mismatch'));
        break;
    }
    await this.refreshNow();
    return this.viewOrThrow(flowId);
  }

  private viewOrThrow(flowId: string): ConnectorVerification {
    const v = this.known.get(flowId);
    if (!v) throw new Error(`no verification ${flowId}`);
    return v;
  }

  private async autoStep(v: NativeVerification, view: ConnectorVerification): Promise<void> {
    if (view.phase === 'ready' && v.we_started && !this.started.has(v.flow_id)) {
      this.started.add(v.flow_id);
      await this.sendAll(await this.native.startSas(v.user_id, v.flow_id));
      Object.assign(view, viewOf(this.reread(v)));
    } else if (view.phase === 'started' && this.accepted.has(v.flow_id)) {
      this.accepted.delete(v.flow_id);
      await this.sendAll(this.native.accept(v.user_id, v.flow_id));
      Object.assign(view, viewOf(this.reread(v)));
    }
  }

  private reread(v: NativeVerification): NativeVerification {
    return this.native.verifications([v.user_id]).find((x) => x.flow_id === v.flow_id) ?? v;
  }

  private report(view: ConnectorVerification): void {
    const before = this.known.get(view.flowId);
    this.known.set(view.flowId, view);
    if (before && JSON.stringify(before) === JSON.stringify(view)) return;
    this.sink?.({ kind: 'verification', verification: view });
  }

  /** In order: a verification's messages must arrive in the order the machine made them. */
  private async sendAll(requests: OutgoingRequest[]): Promise<void> {
    for (const r of requests) await this.crypto.send(r);
  }
}
