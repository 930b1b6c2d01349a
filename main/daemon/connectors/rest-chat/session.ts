// Signing in and the open session. The password is used once, for
// POST /users/login (Basic auth, a bare DeviceInfo body); what the keychain
// keeps is the bearer token of the device session that login created.
import { randomUUID } from 'node:crypto';
import type { LoginResult } from '../connector.js';
import { ProtocolError } from '../errors.js';
import { userRemoteId } from './mapping.js';
import { RestTransport, type RestTransportOptions } from './transport.js';
import { PrivateInfoSchema } from './wire.js';

export interface RestSession {
  transport: RestTransport;
  /** Our user id as a remote id (the integer as a string). */
  selfId: string;
  selfName: string;
  /**
   * Chats whose blocked-user list changed by our own hand: the server sends no
   * event for a block, so the next sync reads these lists again at once.
   */
  blockedListStale: Set<string>;
  /**
   * Our own writes the server announces to no one (leave, settings, blocks):
   * live() listens and runs the catch-up at once instead of at the next frame.
   */
  wrote: EventTarget;
  /**
   * Settings we wrote, per chat, until the next chat list: what the server
   * holds now, so a change made elsewhere right after ours still counts as a
   * change (sync compares the list with what it last knew).
   */
  settingsWritten: Map<string, { muted?: boolean; archived?: boolean; blocked?: boolean }>;
}

export async function login(
  server: string,
  username: string,
  password: string,
  options: RestTransportOptions,
  signal: AbortSignal,
): Promise<LoginResult> {
  // The server stores usernames lower-case and matches Basic auth exactly.
  const basic = { username: username.trim().toLowerCase(), password };
  const transport = new RestTransport(server, { basic }, options);
  const deviceId = randomUUID().toUpperCase();
  const info = await transport.json('POST', '/users/login', PrivateInfoSchema, {
    body: { id: deviceId, name: 'Parley', model: 'Parley desktop', transport: 'none' },
    signal,
  });
  const session = info.deviceSessions.findLast((s) => s.deviceInfo.id.toUpperCase() === deviceId);
  if (!session) throw new ProtocolError('POST /users/login: no session for this device');
  return {
    secret: session.accessToken,
    selfRemoteId: userRemoteId(info.info.id),
    selfDisplayName: info.info.name || info.info.username,
  };
}

export async function openSession(
  server: string,
  token: string,
  options: RestTransportOptions,
  signal: AbortSignal,
): Promise<RestSession> {
  const transport = new RestTransport(server, { bearer: token }, options);
  const me = await transport.json('GET', '/users/me', PrivateInfoSchema, { signal });
  return {
    transport,
    selfId: userRemoteId(me.info.id),
    selfName: me.info.name || me.info.username || String(me.info.id),
    blockedListStale: new Set(),
    wrote: new EventTarget(),
    settingsWritten: new Map(),
  };
}
