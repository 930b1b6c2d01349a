// What every route module needs: the data, the websocket hub, and the two
// authenticators (HTTP Basic for login, Bearer device-session tokens for the rest).
import { Abort, type Request } from './http.js';
import type { SocketHub } from './hub.js';
import type { DeviceSession, Store, User } from './store.js';

export interface Ctx {
  store: Store;
  hub: SocketHub;
  log: (line: string) => void;
}

export interface Authed {
  user: User;
  session: DeviceSession;
}

/** Bearer `<accessToken>`; anything else is a 401 with Vapor's phrase. */
export function bearer(ctx: Ctx, req: Request): Authed {
  const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  const session = m ? ctx.store.sessionByToken(m[1]!) : undefined;
  const user = session ? ctx.store.users.get(session.userId) : undefined;
  if (!session || !user) throw new Abort(401);
  return { user, session };
}

/** HTTP Basic; the username must match exactly (registration stored it lower-case). */
export function basic(ctx: Ctx, req: Request): User {
  const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new Abort(401);
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new Abort(401);
  const user = ctx.store.userByUsername(decoded.slice(0, colon));
  if (!user || !ctx.store.checkPassword(user, decoded.slice(colon + 1))) throw new Abort(401);
  return user;
}
