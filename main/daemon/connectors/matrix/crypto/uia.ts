// User-interactive auth with the account password, for the two requests here
// that need it: uploading cross-signing keys (/keys/device_signing/upload)
// and deleting a device. The first attempt goes without auth (a server may
// not ask, e.g. a first cross-signing upload); a 401 carrying `flows` and a
// `session` is the server asking, and the request is made again with
// m.login.password. Not through MatrixTransport.json: its 401 means "signed
// out", which a UIA challenge is not. The password is never logged.
import * as z from 'zod';
import { readText, redactPath, timedFetch } from '../../http/index.js';
import { MatrixHttpError } from '../transport.js';
import type { MatrixSession } from '../wire.js';
import { AuthError } from '../../errors.js';

const challengeSchema = z.looseObject({
  session: z.string().optional(),
  flows: z.array(z.object({ stages: z.array(z.string()) })).optional(),
  errcode: z.string().optional(),
  error: z.string().optional(),
});

/** Wrong password, or the server offers no password stage: the user's to see. */
export class UiaRefusedError extends MatrixHttpError {}

async function attempt(
  s: MatrixSession,
  method: string,
  path: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ status: number; json: unknown; text: string }> {
  const what = `${method} ${redactPath(path)}`;
  const res = await timedFetch(new URL(s.homeserver.replace(/\/+$/, '') + path), what, {
    method,
    headers: { authorization: `Bearer ${s.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const text = await readText(res, what);
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** Makes the request, answering the server's password challenge; returns the answer as JSON text. */
export async function withPasswordAuth(
  s: MatrixSession,
  method: string,
  path: string,
  body: Record<string, unknown>,
  password: string | null,
  signal: AbortSignal,
): Promise<string> {
  const what = `${method} ${redactPath(path)}`;
  let r = await attempt(s, method, path, body, signal);
  if (r.status === 401) {
    const challenge = challengeSchema.safeParse(r.json);
    const c = challenge.success ? challenge.data : {};
    if (c.errcode === 'M_UNKNOWN_TOKEN' || c.errcode === 'M_MISSING_TOKEN')
      throw new AuthError(`${what}: ${r.status} ${c.errcode}`);
    const offersPassword = (c.flows ?? []).some(
      (f) => f.stages.length === 1 && f.stages[0] === 'm.login.password',
    );
    if (!offersPassword || !c.session)
      throw new UiaRefusedError(
        `${what}: the server asks for a sign-in Parley cannot give here`,
        401,
        null,
      );
    if (password === null)
      throw new UiaRefusedError(`${what}: the server asks for the account password`, 401, null);
    r = await attempt(
      s,
      method,
      path,
      {
        ...body,
        auth: {
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: s.userId },
          password,
          session: c.session,
        },
      },
      signal,
    );
    if (r.status === 401) throw new UiaRefusedError(`${what}: wrong password`, 401, 'M_FORBIDDEN');
  }
  if (r.status < 200 || r.status >= 300) {
    const e = challengeSchema.safeParse(r.json);
    const errcode = e.success ? (e.data.errcode ?? null) : null;
    const detail = e.success && e.data.error ? ` (${e.data.error.slice(0, 200)})` : '';
    throw new MatrixHttpError(
      `${what}: ${r.status}${errcode ? ` ${errcode}` : ''}${detail}`,
      r.status,
      errcode,
    );
  }
  return r.text || '{}';
}
