// One /sync response → one SyncBatch. Room state we need between syncs (name,
// heroes, space links…) travels as the connector state `room:<id>`, committed
// with the batch, so a restart resumes with exactly what the store has.
import * as z from 'zod';
import type { ConnectorContext } from '../connector.js';
import type { RemotePerson, SyncBatch } from '../../model/types.js';
import { localpart, type MappingContext } from './mapping/common.js';
import {
  applyState,
  chatOf,
  directMap,
  emptyRoomInfo,
  inviteOf,
  personFromMember,
  RoomInfoSchema,
  spaceOf,
  type RoomInfo,
} from './mapping/rooms.js';
import { mapRoomEvents } from './mapping/messages.js';
import { ownReadPosition, presenceOf, receiptsOf, typingOf } from './mapping/ephemeral.js';
import type { JoinedRoom, RoomEvent, SyncResponse } from './wire.js';
import { parsePushRules } from './pushRules.js';

/** What the mappers read of the account's committed cursors and state. */
export type StateReader = Pick<ConnectorContext, 'cursor' | 'state'>;

export const roomStream = (roomId: string) => `room:${roomId}`;
export const backfillStream = (roomId: string) => `backfill:${roomId}`;
/** The account's push rules (JSON of the global ruleset), from account data m.push_rules. */
export const PUSH_RULES_STREAM = 'push_rules';
/** The spaces we know (room ids), so a room joined later finds its space. */
export const SPACES_STREAM = 'spaces';
const SpacesSchema = z
  .array(z.unknown())
  .transform((ids) => ids.filter((x): x is string => typeof x === 'string'));
/** m.direct as we last saw it: room id → the other user. */
export const DIRECT_STREAM = 'direct';
export const DirectSchema = z.record(z.string(), z.string());

export function loadRoomInfo(read: StateReader, roomId: string): RoomInfo | null {
  return read.state(roomStream(roomId), RoomInfoSchema);
}

interface Collected {
  batch: Required<
    Pick<
      SyncBatch,
      | 'spaces'
      | 'chats'
      | 'people'
      | 'members'
      | 'messages'
      | 'edits'
      | 'deletions'
      | 'reactionsAdded'
      | 'reactionsRemoved'
      | 'readPositions'
      | 'removedChats'
      | 'receipts'
      | 'typing'
      | 'presence'
    >
  > & { cursors: Record<string, string | null>; state: Record<string, unknown> };
}

export function emptyBatch(): Collected['batch'] {
  return {
    spaces: [],
    chats: [],
    people: [],
    members: [],
    messages: [],
    edits: [],
    deletions: [],
    reactionsAdded: [],
    reactionsRemoved: [],
    readPositions: [],
    removedChats: [],
    receipts: [],
    typing: [],
    presence: [],
    cursors: {},
    state: {},
  };
}

/** Drops empty arrays so a batch reads well in logs and tests. */
export function compact(batch: Collected['batch']): SyncBatch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch))
    if (
      !(Array.isArray(v) && v.length === 0) &&
      !((k === 'cursors' || k === 'state') && Object.keys(v as object).length === 0)
    )
      out[k] = v;
  return out as SyncBatch;
}

export function mapSync(res: SyncResponse, ctx: MappingContext, read: StateReader): SyncBatch {
  const batch = emptyBatch();
  batch.cursors.sync = res.next_batch;
  const infos = new Map<string, RoomInfo>();
  const joinedRooms = new Map<string, JoinedRoom>();
  const people = new Map<string, RemotePerson>();
  const info = (roomId: string): RoomInfo | null => infos.get(roomId) ?? loadRoomInfo(read, roomId);

  // Account data: m.direct decides which rooms are direct chats; m.push_rules
  // what notifies (before the rooms, so this batch's messages follow them).
  for (const ev of res.account_data?.events ?? []) {
    if (ev.type === 'm.push_rules') {
      const rules = parsePushRules(ev.content);
      if (rules) {
        ctx.pushRules = rules;
        batch.state[PUSH_RULES_STREAM] = rules;
      }
      continue;
    }
    if (ev.type !== 'm.direct') continue;
    const next = directMap(ev.content);
    for (const roomId of new Set([...ctx.direct.keys(), ...next.keys()])) {
      if (ctx.direct.get(roomId) === next.get(roomId)) continue;
      const i = info(roomId);
      if (i) infos.set(roomId, i);
    }
    ctx.direct = next;
    batch.state[DIRECT_STREAM] = Object.fromEntries(next);
  }

  const events: {
    roomId: string;
    timeline: RoomEvent[];
    nameOf: (u: string) => string;
    room: RoomInfo;
  }[] = [];
  const childrenBefore = new Map<string, string[]>();
  for (const [roomId, room] of Object.entries(res.rooms?.join ?? {})) {
    const i = info(roomId) ?? emptyRoomInfo();
    if (i.isSpace) childrenBefore.set(roomId, [...i.children]);
    delete i.inviter;
    delete i.directInvite;
    const wasMember = i.membership === 'join' && read.cursor(roomStream(roomId)) !== null;
    i.membership = 'join';
    const s = room.summary;
    if (s?.['m.heroes']) i.heroes = s['m.heroes'];
    if (s?.['m.joined_member_count'] !== undefined) i.joined = s['m.joined_member_count'];
    if (s?.['m.invited_member_count'] !== undefined) i.invited = s['m.invited_member_count'];
    const roomNames = new Map<string, string>();
    const timeline = room.timeline?.events ?? [];
    for (const e of [...(room.state?.events ?? []), ...timeline]) {
      if (e.state_key === undefined || e.unsigned?.redacted_because !== undefined) continue;
      applyState(i, e.type, e.state_key, e.content, roomNames, e.sender);
      if (e.type === 'm.room.member') {
        const membership =
          typeof e.content.membership === 'string' ? e.content.membership : 'leave';
        // A leave or ban carries no display name: it must not rename the person.
        if (
          typeof e.content.displayname === 'string' ||
          membership === 'join' ||
          membership === 'invite'
        )
          people.set(e.state_key, personFromMember(e.state_key, e.content, ctx.selfId));
        batch.members.push({ chatRemoteId: roomId, personRemoteId: e.state_key, membership });
      }
    }
    for (const h of i.heroes) {
      const n = roomNames.get(h);
      if (n) i.names[h] = n;
    }
    // A member list we never saw before: the counts come from the summary.
    if (!wasMember && i.joined === 0) i.joined = 1;
    infos.set(roomId, i);
    joinedRooms.set(roomId, room);
    const nameOf = (u: string) =>
      roomNames.get(u) ?? people.get(u)?.displayName ?? i.names[u] ?? localpart(u);
    if (!i.isSpace) events.push({ roomId, timeline, nameOf, room: i });

    const readUpTo = ownReadPosition(
      roomId,
      room.ephemeral?.events ?? [],
      room.account_data?.events ?? [],
      ctx.selfId,
    );
    if (readUpTo) batch.readPositions.push({ chatRemoteId: roomId, messageRemoteId: readUpTo });
    if (!i.isSpace) {
      const ephemeral = room.ephemeral?.events ?? [];
      batch.receipts.push(...receiptsOf(roomId, ephemeral, ctx.selfId));
      const typing = typingOf(ephemeral, ctx.selfId);
      if (typing) batch.typing.push({ chatRemoteId: roomId, personRemoteIds: typing });
    }

    if (read.cursor(backfillStream(roomId)) === null) {
      const t = room.timeline;
      const hasCreate = timeline.some((e) => e.type === 'm.room.create' && e.state_key === '');
      batch.cursors[backfillStream(roomId)] =
        i.isSpace || hasCreate || !t?.limited || !t.prev_batch ? 'done' : t.prev_batch;
    }
  }

  // Spaces link their children; the children's chats carry the link. A room
  // joined after its space was synced finds it through the known spaces.
  const known = readSpaces(read);
  const spaces = new Set(known);
  for (const [roomId, i] of infos) if (i.isSpace) spaces.add(roomId);
  for (const spaceId of spaces) {
    const s = info(spaceId);
    if (!s?.isSpace) continue;
    const changed = infos.has(spaceId);
    for (const child of s.children) {
      if (!changed && !infos.has(child)) continue;
      const c = info(child);
      if (c && c.parent !== spaceId) {
        c.parent = spaceId;
        infos.set(child, c);
      }
    }
    for (const gone of childrenBefore.get(spaceId) ?? []) {
      if (s.children.includes(gone)) continue;
      const c = info(gone);
      if (c && c.parent === spaceId) {
        c.parent = null;
        infos.set(gone, c);
      }
    }
  }
  if (spaces.size !== known.length) batch.state[SPACES_STREAM] = [...spaces];

  // Rooms we left (or invitations declined or withdrawn).
  for (const [roomId, room] of Object.entries(res.rooms?.leave ?? {})) {
    const i = info(roomId);
    if (!i) continue;
    if (i.membership === 'invite') {
      batch.removedChats.push(roomId);
      batch.state[roomStream(roomId)] = null;
      infos.delete(roomId);
      continue;
    }
    i.membership = 'leave';
    const roomNames = new Map<string, string>();
    const timeline = room.timeline?.events ?? [];
    for (const e of [...(room.state?.events ?? []), ...timeline])
      if (e.state_key !== undefined)
        applyState(i, e.type, e.state_key, e.content, roomNames, e.sender);
    infos.set(roomId, i);
    batch.members.push({ chatRemoteId: roomId, personRemoteId: ctx.selfId, membership: 'leave' });
    if (!i.isSpace)
      events.push({
        roomId,
        timeline,
        nameOf: (u) => roomNames.get(u) ?? i.names[u] ?? localpart(u),
        room: i,
      });
  }

  // Chats and spaces first, so the messages below have somewhere to go.
  for (const [roomId, i] of infos) {
    if (i.isSpace) batch.spaces.push(spaceOf(roomId, i, ctx));
    else batch.chats.push(chatOf(roomId, i, ctx, joinedRooms.get(roomId)));
    batch.state[roomStream(roomId)] = i;
  }

  // Invitations: a chat (or space) with our own membership "invite".
  for (const [roomId, room] of Object.entries(res.rooms?.invite ?? {})) {
    const inv = inviteOf(roomId, room, ctx);
    for (const p of inv.people) if (!people.has(p.remoteId)) people.set(p.remoteId, p);
    if (inv.space) batch.spaces.push(inv.space);
    if (inv.chat) batch.chats.push(inv.chat);
    if (inv.chat)
      batch.members.push({
        chatRemoteId: roomId,
        personRemoteId: ctx.selfId,
        membership: 'invite',
      });
    const i = emptyRoomInfo();
    i.membership = 'invite';
    i.isSpace = inv.space !== null;
    i.inviter = inv.inviter;
    i.directInvite = inv.chat?.kind === 'direct';
    batch.state[roomStream(roomId)] = i;
  }

  batch.people.push(...people.values());
  batch.presence.push(...presenceOf(res.presence?.events ?? [], ctx.selfId));
  for (const { roomId, timeline, nameOf, room } of events) {
    const r = mapRoomEvents(roomId, timeline, ctx, nameOf, room);
    batch.messages.push(...r.messages);
    batch.edits.push(...r.edits);
    batch.deletions.push(...r.deletions);
    batch.reactionsAdded.push(...r.reactionsAdded);
    batch.reactionsRemoved.push(...r.reactionsRemoved);
  }
  return compact(batch);
}

function readSpaces(read: StateReader): string[] {
  return read.state(SPACES_STREAM, SpacesSchema) ?? [];
}
