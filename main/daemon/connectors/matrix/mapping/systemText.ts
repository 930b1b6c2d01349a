// Room state changes as the one-line system messages a timeline shows
// ("Ann changed the topic to …", "Bo joined").
import type { RoomEvent } from '../wire.js';
import { localpart, str, type NameOf } from './common.js';

export function describeState(e: RoomEvent, nameOf: NameOf): string | null {
  const c = e.content;
  const who = nameOf(e.sender);
  switch (e.type) {
    case 'm.room.create':
      return c.type === 'm.space' ? `${who} created the space` : `${who} created the room`;
    case 'm.room.name':
      return str(c.name)
        ? `${who} changed the room name to ${str(c.name)}`
        : `${who} removed the room name`;
    case 'm.room.topic':
      return str(c.topic)
        ? `${who} changed the topic to ${str(c.topic)}`
        : `${who} removed the topic`;
    case 'm.room.avatar':
      return str(c.url) ? `${who} changed the room avatar` : `${who} removed the room avatar`;
    case 'm.room.canonical_alias':
      return str(c.alias)
        ? `${who} set the main address to ${str(c.alias)}`
        : `${who} removed the main address`;
    case 'm.room.encryption':
      return `${who} turned on end-to-end encryption`;
    case 'm.room.tombstone':
      return `${who} upgraded this room`;
    case 'm.room.member':
      return describeMember(e, nameOf);
    default:
      return null;
  }
}

function describeMember(e: RoomEvent, nameOf: NameOf): string | null {
  const c = e.content;
  const prev = e.unsigned?.prev_content ?? {};
  const target = e.state_key ?? '';
  const membership = str(c.membership);
  const was = str(prev.membership);
  const targetName = str(c.displayname) ?? str(prev.displayname) ?? nameOf(target);
  const actor = nameOf(e.sender);
  const reason = str(c.reason) ? `: ${str(c.reason)}` : '';
  switch (membership) {
    case 'join':
      if (was === 'join') {
        const oldName = str(prev.displayname);
        const newName = str(c.displayname);
        if (oldName !== newName) {
          if (!newName) return `${oldName} removed their display name`;
          if (!oldName) return `${localpart(target)} set their display name to ${newName}`;
          return `${oldName} changed their name to ${newName}`;
        }
        if (str(prev.avatar_url) !== str(c.avatar_url)) return `${targetName} changed their avatar`;
        return null;
      }
      return `${targetName} joined`;
    case 'invite':
      return `${actor} invited ${targetName}`;
    case 'leave':
      if (e.sender === target)
        return was === 'invite' ? `${targetName} declined the invitation` : `${targetName} left`;
      if (was === 'ban') return `${actor} unbanned ${targetName}`;
      if (was === 'invite') return `${actor} withdrew ${targetName}'s invitation`;
      return `${actor} removed ${targetName}${reason}`;
    case 'ban':
      return `${actor} banned ${targetName}${reason}`;
    case 'knock':
      return `${targetName} asked to join`;
    default:
      return null;
  }
}
