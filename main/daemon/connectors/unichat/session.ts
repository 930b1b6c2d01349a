// Signing in to unichat and the open session. The password is used once, by
// login({email, password}); the keychain keeps the auth_token it returns. A
// session opens with me() (our user id and nick). What the session remembers
// in memory is only a cache of what sync saw (subscription ids, participants'
// nicks) and the drafts this process pushed; everything lasting is in
// connector state.
import type { LoginResult } from '../connector.js';
import { ProtocolError } from '../errors.js';
import { UnichatTransport, type UnichatTransportOptions } from './transport.js';
import { UserAnswer } from './wire.js';
import { userRemoteId } from './mapping.js';

export interface UnichatSession {
  transport: UnichatTransport;
  /** Our user id as a remote id. */
  selfId: string;
  selfNick: string;
  /** Group id → our subscription id (most methods take the subscription). */
  subscriptions: Map<string, number>;
  /** Group id → the drafts this process saved lately, so their echo is not taken for news. */
  pushedDrafts: Map<string, string[]>;
}

export async function login(
  server: string,
  email: string,
  password: string,
  options: UnichatTransportOptions,
  signal: AbortSignal,
): Promise<LoginResult> {
  const transport = new UnichatTransport(server, null, options);
  const { user } = await transport.call('login', { email: email.trim(), password }, UserAnswer, {
    signal,
  });
  if (!user.auth_token) throw new ProtocolError('unichat login: the answer has no auth_token');
  return {
    secret: user.auth_token,
    selfRemoteId: userRemoteId(user.id),
    selfDisplayName: user.nick || email,
  };
}

export async function openSession(
  server: string,
  authToken: string,
  options: UnichatTransportOptions,
  signal: AbortSignal,
): Promise<UnichatSession> {
  const transport = new UnichatTransport(server, authToken, options);
  const { user } = await transport.call('me', {}, UserAnswer, { signal });
  return {
    transport,
    selfId: userRemoteId(user.id),
    selfNick: user.nick || userRemoteId(user.id),
    subscriptions: new Map(),
    pushedDrafts: new Map(),
  };
}
