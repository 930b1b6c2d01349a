// The binding's cross-signing, trust and verification calls
// (native/matrix-crypto/src/verification.rs), typed: every answer is JSON text
// parsed here with its schema, so the rest of the code sees checked values.
import * as z from 'zod';
import type { NativeCryptoMachine } from './native.js';
import { outgoingRequestSchema } from './requests.js';

/** The methods verification.rs adds to the machine. */
export interface SecurityNativeMachine {
  bootstrapCrossSigning(reset: boolean): Promise<string>;
  markSigningKeysUploaded(body: string): Promise<void>;
  crossSigningStatus(): Promise<string>;
  devices(userId: string): Promise<string>;
  userTrust(users: string): Promise<string>;
  acceptIdentityChange(userId: string): Promise<void>;
  requestDeviceVerification(userId: string, deviceId: string | null): Promise<string>;
  roomVerificationContent(userId: string): Promise<string>;
  trackRoomVerification(userId: string, roomId: string, eventId: string): Promise<string>;
  receiveVerificationEvent(event: string): Promise<void>;
  verifications(users: string): string;
  verificationAccept(userId: string, flowId: string): string;
  verificationStartSas(userId: string, flowId: string): Promise<string>;
  verificationConfirm(userId: string, flowId: string): Promise<string>;
  verificationCancel(userId: string, flowId: string, mismatch: boolean): string;
}

const requests = z.array(outgoingRequestSchema);

export const bootstrapAnswer = z.object({
  keys_upload: outgoingRequestSchema.nullable(),
  signing_keys: z.record(z.string(), z.unknown()),
  signatures: outgoingRequestSchema.nullable(),
});

export const crossSigningStatusAnswer = z.object({
  has_master: z.boolean(),
  has_self_signing: z.boolean(),
  has_user_signing: z.boolean(),
  device_cross_signed: z.boolean(),
  master_key: z.string().nullable(),
});

export const deviceAnswer = z.object({
  device_id: z.string(),
  display_name: z.string().nullable(),
  ed25519: z.string().nullable(),
  curve25519: z.string().nullable(),
  verified: z.boolean(),
  cross_signed: z.boolean(),
  locally_trusted: z.boolean(),
  blacklisted: z.boolean(),
  own: z.boolean(),
});

export const userTrustAnswer = z.object({
  user_id: z.string(),
  has_identity: z.boolean(),
  verified: z.boolean(),
  was_verified: z.boolean(),
  changed: z.boolean(),
  master_key: z.string().nullable(),
});

const cancelAnswer = z.object({ code: z.string(), reason: z.string(), by_us: z.boolean() });

export const verificationAnswer = z.object({
  flow_id: z.string(),
  user_id: z.string(),
  device_id: z.string().nullable(),
  room_id: z.string().nullable(),
  we_started: z.boolean(),
  self_verification: z.boolean(),
  phase: z.enum(['created', 'requested', 'ready', 'transitioned', 'done', 'cancelled']),
  sas: z
    .object({
      phase: z.enum([
        'sas_created',
        'sas_started',
        'sas_accepted',
        'keys_exchanged',
        'confirmed',
        'done',
        'cancelled',
      ]),
      we_started: z.boolean(),
      device_id: z.string(),
      emoji: z.array(z.object({ symbol: z.string(), description: z.string() })).nullable(),
      decimals: z.array(z.number()).nullable(),
      cancel: cancelAnswer.nullable(),
    })
    .nullable(),
  cancel: cancelAnswer.nullable(),
});
export type NativeVerification = z.infer<typeof verificationAnswer>;

const parse = <T extends z.ZodType>(schema: T, text: string): z.infer<T> =>
  schema.parse(JSON.parse(text));

/** The machine's security calls with their answers parsed. */
export class SecurityNative {
  private readonly m: SecurityNativeMachine;

  constructor(machine: NativeCryptoMachine) {
    if (!SecurityNative.supports(machine))
      throw new Error('the Matrix crypto module predates verification: rebuild it');
    this.m = machine as NativeCryptoMachine & SecurityNativeMachine;
  }

  /** The loaded module has verification.rs (a .node built before it does not). */
  static supports(machine: NativeCryptoMachine): boolean {
    return (
      typeof (machine as NativeCryptoMachine & Partial<SecurityNativeMachine>).verifications ===
      'function'
    );
  }

  async bootstrap(reset: boolean) {
    return parse(bootstrapAnswer, await this.m.bootstrapCrossSigning(reset));
  }
  markSigningKeysUploaded(body: string) {
    return this.m.markSigningKeysUploaded(body);
  }
  async crossSigningStatus() {
    return parse(crossSigningStatusAnswer, await this.m.crossSigningStatus());
  }
  async devices(userId: string) {
    return parse(z.array(deviceAnswer), await this.m.devices(userId));
  }
  async userTrust(users: string[]) {
    return parse(z.array(userTrustAnswer), await this.m.userTrust(JSON.stringify(users)));
  }
  acceptIdentityChange(userId: string) {
    return this.m.acceptIdentityChange(userId);
  }
  async requestDeviceVerification(userId: string, deviceId: string | null) {
    return parse(
      z.object({ flow_id: z.string(), requests }),
      await this.m.requestDeviceVerification(userId, deviceId),
    );
  }
  async roomVerificationContent(userId: string): Promise<Record<string, unknown>> {
    return parse(z.record(z.string(), z.unknown()), await this.m.roomVerificationContent(userId));
  }
  async trackRoomVerification(userId: string, roomId: string, eventId: string) {
    return parse(verificationAnswer, await this.m.trackRoomVerification(userId, roomId, eventId));
  }
  receiveVerificationEvent(event: unknown) {
    return this.m.receiveVerificationEvent(JSON.stringify(event));
  }
  verifications(users: string[]) {
    return parse(z.array(verificationAnswer), this.m.verifications(JSON.stringify(users)));
  }
  accept(userId: string, flowId: string) {
    return parse(requests, this.m.verificationAccept(userId, flowId));
  }
  async startSas(userId: string, flowId: string) {
    return parse(requests, await this.m.verificationStartSas(userId, flowId));
  }
  async confirm(userId: string, flowId: string) {
    return parse(
      z.object({ requests, signatures: outgoingRequestSchema.nullable() }),
      await this.m.verificationConfirm(userId, flowId),
    );
  }
  cancel(userId: string, flowId: string, mismatch: boolean) {
    return parse(requests, this.m.verificationCancel(userId, flowId, mismatch));
  }
}
