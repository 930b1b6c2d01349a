// The Matrix client-server wire format (v3), as runtime schemas: every server
// payload is parsed here before the connector reads it. Objects are loose
// (unknown fields are kept for raw JSON); event content stays a record and is
// read field by field in mapping.ts, where a malformed field degrades to a
// readable fallback instead of failing the whole sync.
import * as z from 'zod';
import { parseResponse } from '../http/schema.js';

const content = z.record(z.string(), z.unknown());

export const unsignedSchema = z.looseObject({
  transaction_id: z.string().optional(),
  redacted_because: z.unknown().optional(),
  'm.relations': z.record(z.string(), z.unknown()).optional(),
  prev_content: content.optional(),
});

/** A room event as /sync, /messages and /event return it. */
export const roomEventSchema = z.looseObject({
  type: z.string(),
  event_id: z.string(),
  sender: z.string(),
  origin_server_ts: z.number(),
  content,
  state_key: z.string().optional(),
  redacts: z.string().optional(),
  unsigned: unsignedSchema.optional(),
});
export type RoomEvent = z.infer<typeof roomEventSchema>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
const optionalRecord = (v: unknown) => v === undefined || isRecord(v);

/**
 * Why `v` is not a room event as `roomEventSchema` has it (the field and what
 * it should be), or null when it is one. The same rules, checked in place:
 * zod copies every object it parses, and /sync brings thousands of events
 * (45–62 ms of an initial sync's ~0.45 s of CPU at 50 rooms went to it).
 */
export function roomEventIssue(v: unknown): string | null {
  if (!isRecord(v)) return 'expected object';
  if (typeof v.type !== 'string') return 'type: expected string';
  if (typeof v.event_id !== 'string') return 'event_id: expected string';
  if (typeof v.sender !== 'string') return 'sender: expected string';
  if (typeof v.origin_server_ts !== 'number' || !Number.isFinite(v.origin_server_ts))
    return 'origin_server_ts: expected number';
  if (!isRecord(v.content)) return 'content: expected record';
  if (!optionalString(v.state_key)) return 'state_key: expected string';
  if (!optionalString(v.redacts)) return 'redacts: expected string';
  const u = v.unsigned;
  if (u === undefined) return null;
  if (!isRecord(u)) return 'unsigned: expected object';
  if (!optionalString(u.transaction_id)) return 'unsigned.transaction_id: expected string';
  if (!optionalRecord(u['m.relations'])) return 'unsigned.m.relations: expected record';
  if (!optionalRecord(u.prev_content)) return 'unsigned.prev_content: expected record';
  return null;
}

/**
 * A list of room events, validated as `z.array(roomEventSchema)` would and
 * handed on as the very objects JSON.parse made (no copy): for the large
 * lists of /sync and /messages.
 */
const roomEventsSchema = z.array(z.unknown()).check((ctx) => {
  for (let i = 0; i < ctx.value.length; i++) {
    const issue = roomEventIssue(ctx.value[i]);
    if (issue) {
      ctx.issues.push({ code: 'custom', message: issue, input: ctx.value[i], path: [i] });
      return;
    }
  }
}) as unknown as z.ZodType<RoomEvent[]>;

/** Stripped state (invites) has no id or timestamp. */
const strippedStateSchema = z.looseObject({
  type: z.string(),
  sender: z.string(),
  state_key: z.string(),
  content,
});
export type StrippedState = z.infer<typeof strippedStateSchema>;

const basicEventSchema = z.looseObject({ type: z.string(), content });
export type BasicEvent = z.infer<typeof basicEventSchema>;
const events = <T extends z.ZodType>(schema: T) =>
  z.looseObject({ events: z.array(schema).optional() });
const roomEvents = z.looseObject({ events: roomEventsSchema.optional() });

const timelineSchema = z.looseObject({
  events: roomEventsSchema.optional(),
  limited: z.boolean().optional(),
  prev_batch: z.string().optional(),
});

const joinedRoomSchema = z.looseObject({
  summary: z
    .looseObject({
      'm.heroes': z.array(z.string()).optional(),
      'm.joined_member_count': z.number().optional(),
      'm.invited_member_count': z.number().optional(),
    })
    .optional(),
  state: roomEvents.optional(),
  timeline: timelineSchema.optional(),
  ephemeral: events(basicEventSchema).optional(),
  account_data: events(basicEventSchema).optional(),
  unread_notifications: z
    .looseObject({
      notification_count: z.number().optional(),
      highlight_count: z.number().optional(),
    })
    .optional(),
});
export type JoinedRoom = z.infer<typeof joinedRoomSchema>;

const invitedRoomSchema = z.looseObject({ invite_state: events(strippedStateSchema).optional() });
export type InvitedRoom = z.infer<typeof invitedRoomSchema>;

const leftRoomSchema = z.looseObject({
  state: roomEvents.optional(),
  timeline: timelineSchema.optional(),
});

export const syncResponseSchema = z.looseObject({
  next_batch: z.string(),
  rooms: z
    .looseObject({
      join: z.record(z.string(), joinedRoomSchema).optional(),
      invite: z.record(z.string(), invitedRoomSchema).optional(),
      leave: z.record(z.string(), leftRoomSchema).optional(),
    })
    .optional(),
  account_data: events(basicEventSchema).optional(),
  presence: events(z.looseObject({ type: z.string(), sender: z.string(), content })).optional(),
  // End-to-end encryption (handed to the crypto machine as they are).
  to_device: z.looseObject({ events: z.array(z.unknown()).optional() }).optional(),
  device_lists: z
    .looseObject({
      changed: z.array(z.string()).optional(),
      left: z.array(z.string()).optional(),
    })
    .optional(),
  device_one_time_keys_count: z.record(z.string(), z.number()).optional(),
  device_unused_fallback_key_types: z.array(z.string()).optional(),
});
export type SyncResponse = z.infer<typeof syncResponseSchema>;

export const messagesResponseSchema = z.looseObject({
  start: z.string(),
  end: z.string().optional(),
  chunk: roomEventsSchema,
  state: roomEventsSchema.optional(),
});
export type MessagesResponse = z.infer<typeof messagesResponseSchema>;

export const loginResponseSchema = z.looseObject({
  user_id: z.string(),
  access_token: z.string(),
  device_id: z.string(),
});

export const whoamiSchema = z.looseObject({
  user_id: z.string(),
  device_id: z.string().optional(),
});
export const eventIdSchema = z.looseObject({ event_id: z.string() });
export const roomIdSchema = z.looseObject({ room_id: z.string() });
export const joinedRoomsSchema = z.looseObject({ joined_rooms: z.array(z.string()) });
export const profileSchema = z.looseObject({
  displayname: z.string().nullish(),
  avatar_url: z.string().nullish(),
});
export const uploadSchema = z.looseObject({ content_uri: z.string().startsWith('mxc://') });
export const relationsSchema = z.looseObject({
  chunk: roomEventsSchema,
  next_batch: z.string().nullish(),
});
export const errorBodySchema = z.looseObject({
  errcode: z.string().optional(),
  error: z.string().optional(),
  retry_after_ms: z.number().optional(),
});

/** What the keychain holds for a Matrix account (one JSON string). */
export const sessionSchema = z.object({
  accessToken: z.string().min(1),
  deviceId: z.string(),
  userId: z.string().min(1),
  homeserver: z.string().url(),
  /**
   * The 32-byte key (base64) of this device's crypto store, made at sign-in;
   * absent in sessions from before end-to-end encryption.
   */
  cryptoKey: z.string().optional(),
});
export type MatrixSession = z.infer<typeof sessionSchema>;

/** Parses a payload; a mismatch is a ProtocolError that says where and why. */
export function parseWire<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  return parseResponse(schema, value, (reason) => `malformed ${what}: ${reason}`);
}
