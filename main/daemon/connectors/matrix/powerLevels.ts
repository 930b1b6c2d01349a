// Matrix power levels (m.room.power_levels) → the model's roles and what the
// signed-in user may do to whom: the spec's rules ("Authorization rules"):
// invite needs the invite level; kick and ban need their level and a target
// whose level is below one's own. In room versions 12+ the creators stand
// above every level (MSC4289): they are the rooms' owners.
import type { MemberAuthority, StateReader } from '../connector.js';
import { RoomInfoSchema, type PowerLevels } from './mapping/rooms.js';
import { roomStream } from './syncMapper.js';

/** Element's names for the usual levels: 100 admin, 50 moderator; creators of v12 rooms own them. */
export function roleForLevel(level: number, power: PowerLevels): string | null {
  if (level === Number.POSITIVE_INFINITY) return 'owner';
  if (level >= 100) return 'admin';
  if (level >= 50) return 'moderator';
  // Below the level to send messages: can read, not write.
  if (power.message !== undefined && level < power.message) return 'reader';
  return null;
}

export function matrixAuthority(
  power: PowerLevels,
  selfId: string,
  creators: readonly string[] = [],
): MemberAuthority {
  const level = (userId: string) =>
    creators.includes(userId)
      ? Number.POSITIVE_INFINITY
      : (power.users[userId] ?? power.usersDefault);
  const mine = level(selfId);
  const known = power.invite !== undefined && power.kick !== undefined && power.ban !== undefined;
  const may = known
    ? { invite: mine >= power.invite!, kick: mine >= power.kick!, ban: mine >= power.ban! }
    : null;
  const over = (userId: string) => userId !== selfId && level(userId) < mine;
  return {
    roleOf: (userId) => roleForLevel(level(userId), power),
    may,
    // Unknown rules: offer it, and the server decides (as before power levels were read).
    mayKick: (userId) => (may ? may.kick && over(userId) : userId !== selfId),
    mayBan: (userId) => (may ? may.ban && over(userId) : userId !== selfId),
  };
}

/** The room's authority from the RoomInfo the sync keeps; null before its power levels arrived. */
export function matrixMemberAuthority(
  state: StateReader,
  roomId: string,
  selfId: string,
): MemberAuthority | null {
  const info = state(roomStream(roomId), RoomInfoSchema);
  return info?.power ? matrixAuthority(info.power, selfId, info.creators) : null;
}
