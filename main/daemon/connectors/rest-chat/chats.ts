// Chats and their members from Parley's protocol-neutral operations: create
// (personal or group), leave, add / remove a member, block / unblock a member
// (chatMember ban / unban: the server's per-chat user block), the user's
// own settings the server keeps (mute, archive, block the chat), and clearing
// a chat's history. Every step can be repeated: the server returns the
// existing chat for the same members, adding or removing is checked against
// the member list first (the server refuses "no users to add" / "not
// participants" on a repeat), settings and blocks are plain assignments, and
// a repeated clear first looks whether the earlier one took.
import type { WriteAttempt } from '../connector.js';
import type { OpOf } from '../../model/ops.js';
import type { WriteResult } from '../connector.js';
import { PermanentError } from '../errors.js';
import type { RestSession } from './session.js';
import { page } from './sync.js';
import { statusOf } from './transport.js';
import { ChatInfoSchema, type ChatInfo } from './wire.js';

/** The server adds at most this many users per request ("To many users to add at once."). */
export const MAX_USERS_ADDED_AT_ONCE = 10;

const chatPath = (chatId: string) => `/chats/${encodeURIComponent(chatId)}`;

function userId(remoteId: string): number {
  if (!/^\d+$/.test(remoteId)) throw new PermanentError(`not a REST chat user id: ${remoteId}`);
  return Number(remoteId);
}

export async function createChat(
  s: RestSession,
  op: OpOf<'chatCreate'>,
  signal: AbortSignal,
): Promise<WriteResult> {
  const invited = (op.invite ?? []).map(userId);
  if (op.direct && invited.length !== 1)
    throw new PermanentError('a personal chat is with exactly one other person');
  if (invited.length === 0) throw new PermanentError('a new chat needs at least one other person');
  // All at once (creation has no ten-user limit): the server answers the chat
  // these exact members already have, so a retry creates nothing new.
  const chat = await s.transport.json('POST', '/chats', ChatInfoSchema, {
    body: {
      participants: invited,
      isPersonal: op.direct === true,
      ...(op.direct || !op.name ? {} : { title: op.name }),
    },
    signal,
  });
  announce(s); // the server announces a new chat to no one, not even its members
  return { remoteId: chat.id };
}

async function chatInfo(s: RestSession, chatId: string, signal: AbortSignal): Promise<ChatInfo> {
  return s.transport.json('GET', chatPath(chatId), ChatInfoSchema, { signal });
}

/** Adds the users not in the chat yet, at most ten per request (the server's limit). */
export async function addUsers(
  s: RestSession,
  chatId: string,
  ids: number[],
  signal: AbortSignal,
): Promise<void> {
  if (ids.length === 0) return;
  const present = new Set((await chatInfo(s, chatId, signal)).allUsers?.map((u) => u.id));
  const missing = [...new Set(ids)].filter((id) => !present.has(id));
  for (let i = 0; i < missing.length; i += MAX_USERS_ADDED_AT_ONCE)
    await s.transport.json('POST', `${chatPath(chatId)}/users`, ChatInfoSchema, {
      body: { users: missing.slice(i, i + MAX_USERS_ADDED_AT_ONCE) },
      signal,
    });
}

async function removeUser(s: RestSession, chatId: string, id: number, signal: AbortSignal) {
  const present = (await chatInfo(s, chatId, signal)).allUsers?.some((u) => u.id === id);
  if (!present) return;
  await s.transport.json('DELETE', `${chatPath(chatId)}/users`, ChatInfoSchema, {
    body: { users: [id] },
    signal,
  });
}

export async function memberAction(
  s: RestSession,
  op: OpOf<'chatMember'>,
  signal: AbortSignal,
): Promise<WriteResult> {
  const id = userId(op.personRemoteId);
  const chat = op.chatRemoteId;
  switch (op.action) {
    case 'invite':
      await addUsers(s, chat, [id], signal);
      break;
    case 'kick':
      await removeUser(s, chat, id, signal);
      break;
    case 'ban':
    case 'unban':
      await s.transport.ok(
        'PUT',
        `${chatPath(chat)}/users/${id}/${op.action === 'ban' ? 'block' : 'unblock'}`,
        { signal },
      );
      // The server sends no event for a block: the next sync reads the list again.
      s.blockedListStale.add(chat);
      break;
  }
  announce(s);
  return {};
}

/**
 * Leaving: a group chat is left (DELETE /chats/:id/me; a repeat finds the chat
 * gone: done). A personal chat cannot be left, so it is removed from this
 * user's devices (the setting isRemovedOnDevice) until a new message in it.
 */
export async function leaveChat(
  s: RestSession,
  op: OpOf<'chatLeave'>,
  signal: AbortSignal,
): Promise<WriteResult> {
  let chat: ChatInfo;
  try {
    chat = await chatInfo(s, op.chatRemoteId, signal);
  } catch (err) {
    if (statusOf(err) === 404) return {}; // not a participant (any more)
    throw err;
  }
  if (chat.isPersonal)
    await s.transport.json('PUT', `${chatPath(chat.id)}/settings`, ChatInfoSchema, {
      body: { isRemovedOnDevice: true },
      signal,
    });
  else await s.transport.ok('DELETE', `${chatPath(chat.id)}/me`, { signal });
  announce(s);
  return {};
}

export async function chatSettings(
  s: RestSession,
  op: OpOf<'chatSettings'>,
  signal: AbortSignal,
): Promise<WriteResult> {
  const settings = {
    ...(op.muted !== undefined ? { isMuted: op.muted } : {}),
    ...(op.archived !== undefined ? { isArchived: op.archived } : {}),
  };
  if (Object.keys(settings).length > 0)
    await s.transport.json('PUT', `${chatPath(op.chatRemoteId)}/settings`, ChatInfoSchema, {
      body: settings,
      signal,
    });
  if (op.blocked !== undefined)
    await s.transport.ok(
      'PUT',
      `${chatPath(op.chatRemoteId)}/${op.blocked ? 'block' : 'unblock'}`,
      { signal },
    );
  const { muted, archived, blocked } = op;
  s.settingsWritten.set(op.chatRemoteId, {
    ...s.settingsWritten.get(op.chatRemoteId),
    ...(muted !== undefined ? { muted } : {}),
    ...(archived !== undefined ? { archived } : {}),
    ...(blocked !== undefined ? { blocked } : {}),
  });
  announce(s);
  return {};
}

/**
 * Clear chat (DELETE /chats/:id/messages). A second clear would take the
 * messages posted since the first, so a retry (an earlier attempt may have
 * reached the server) first asks for one message at or before the newest the
 * user had when asking: none there means the earlier attempt cleared. The
 * server announces a clear (chatCleared), and the catch-up it runs removes
 * the messages here.
 */
export async function clearChat(
  s: RestSession,
  op: OpOf<'chatClear'>,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<WriteResult> {
  const through = op.throughMessageRemoteId;
  if (attempt.earlier > 0 && through != null && /^\d+$/.test(through)) {
    const older = await page(s, op.chatRemoteId, 1, Number(through) + 1, signal);
    if (older.length === 0) return {};
  }
  await s.transport.ok('DELETE', `${chatPath(op.chatRemoteId)}/messages`, { signal });
  return {};
}

/** Tells live() to read the chat list again: the server told no one about this write. */
const announce = (s: RestSession) => s.wrote.dispatchEvent(new Event('wrote'));
