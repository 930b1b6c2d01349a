// One signed-in Matrix account as the connector holds it between calls: the
// stored session, its transport and what mapping remembers (names, m.direct,
// reactions). Opened from the keychain secret and cached by the shared
// SessionCache, which drops it after an auth failure.
import type { ConnectorContext } from '../connector.js';
import { AuthError } from '../errors.js';
import type { RemotePerson } from '../../model/types.js';
import { enc, MatrixTransport } from './transport.js';
import { profileSchema, sessionSchema, whoamiSchema, type MatrixSession } from './wire.js';
import { localpart, type MappingContext } from './mapping/common.js';
import * as z from 'zod';
import { parsePushRules } from './pushRules.js';
import { DIRECT_STREAM, DirectSchema, PUSH_RULES_STREAM } from './syncMapper.js';
import type { AccountCrypto } from './crypto/accountCrypto.js';
import { openAccountCrypto } from './crypto/cryptoStore.js';

/**
 * The account's end-to-end encryption, opened on first use; null when it is
 * unavailable (no crypto dir, an old session without a store key, no native
 * module), with the reason logged once.
 */
export async function accountCrypto(
  ctx: ConnectorContext,
  a: MatrixAccount,
): Promise<AccountCrypto | null> {
  if (a.crypto !== undefined) return a.crypto;
  if (!a.cryptoDir) return (a.crypto = null);
  try {
    a.crypto = await openAccountCrypto(a.cryptoDir, a.session, a.transport, (line) =>
      ctx.log(line),
    );
  } catch (err) {
    // E.g. the store is open in another Parley process (the app while the CLI
    // runs): this session goes on without it; what it cannot decrypt waits
    // and is retried by the next session that has the store.
    ctx.log(`end-to-end encryption is unavailable: ${(err as Error).message}`);
    a.crypto = null;
  }
  return a.crypto;
}

/** The client-server API prefix. */
export const C = '/_matrix/client/v3';

export interface MatrixConnectorOptions {
  /** Events per room in the initial sync (and per incremental sync before it is "limited"). */
  timelineLimit?: number;
  /** How long a live /sync waits on the server. */
  longPollMs?: number;
  /** Events per /messages page. */
  pageSize?: number;
  /** Stop backfilling a room after this many events (default: to the room's start). */
  backfillDepth?: number;
  /**
   * Where end-to-end encryption keeps its per-device crypto stores (the
   * daemon passes <profile>/matrix-crypto). Without it, encrypted rooms are
   * placeholders and refuse writes, as before encryption support.
   */
  cryptoDir?: string | null;
  /** Pages fetched to fill one gap before leaving the rest to backfill. */
  maxGapPages?: number;
}
export type MatrixOptions = Required<MatrixConnectorOptions>;

export interface MatrixAccount {
  transport: MatrixTransport;
  session: MatrixSession;
  mapping: MappingContext;
  whoamiDone: boolean;
  /** Idempotency key → created room (createRoom has no txnId). */
  created: Map<string, string>;
  /** Idempotency key → uploaded mxc URI (a retried send does not upload twice). */
  uploads: Map<string, string>;
  /** Idempotency key → the encrypted attachment content uploaded (keys included: memory only). */
  encryptedUploads: Map<string, Record<string, unknown>>;
  /** Where this account's crypto store lives (null: no encryption). */
  cryptoDir: string | null;
  /** The account's crypto once opened (null: unavailable, the reason logged; undefined: not tried yet). */
  crypto: AccountCrypto | null | undefined;
}

export function parseSession(secret: string): MatrixSession {
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    throw new AuthError('the stored Matrix session is unreadable');
  }
  const r = sessionSchema.safeParse(value);
  if (!r.success) throw new AuthError('the stored Matrix session is incomplete');
  return r.data;
}

export function openMatrixAccount(secret: string, cryptoDir: string | null = null): MatrixAccount {
  const session = parseSession(secret);
  return {
    cryptoDir,
    crypto: undefined,
    session,
    transport: new MatrixTransport(session.homeserver, session.accessToken),
    mapping: { selfId: session.userId, selfName: null, direct: new Map(), reactions: new Map() },
    whoamiDone: false,
    created: new Map(),
    uploads: new Map(),
    encryptedUploads: new Map(),
  };
}

export type Presence = 'online' | 'unavailable' | 'offline';
/**
 * The presence the user chose, per session (user + homeserver): /sync sends it
 * as set_presence, or every long-poll would set us back online. Shared by all
 * connector instances in the process (the API sets it, the sync loop uses it).
 */
export const chosenPresence = new Map<string, Presence>();
export const presenceKey = (s: MatrixSession) => `${s.homeserver}\n${s.userId}`;

/**
 * whoami once per session: a revoked token pauses the account before anything
 * else. Restores what mapping needs from the account's state (push rules,
 * m.direct) and returns our own person the first time.
 */
export async function startSession(
  ctx: ConnectorContext,
  a: MatrixAccount,
): Promise<RemotePerson | null> {
  if (a.whoamiDone) return null;
  const who = await a.transport.json('GET', `${C}/account/whoami`, whoamiSchema, {
    signal: ctx.signal,
  });
  if (who.user_id !== a.session.userId)
    throw new AuthError(`the stored session belongs to ${who.user_id}, not ${a.session.userId}`);
  const profile = await a.transport
    .json('GET', `${C}/profile/${enc(who.user_id)}`, profileSchema, { signal: ctx.signal })
    .catch(() => null);
  a.mapping.selfName = profile?.displayname ?? null;
  const rules = ctx.state(PUSH_RULES_STREAM, z.unknown());
  if (rules !== null) {
    a.mapping.pushRules = parsePushRules({ global: rules });
    if (!a.mapping.pushRules)
      ctx.log('the stored push rules are unreadable; they are rebuilt on the next change');
  }
  const direct = ctx.state(DIRECT_STREAM, DirectSchema);
  if (direct) a.mapping.direct = new Map(Object.entries(direct));
  else if (ctx.cursor(DIRECT_STREAM) !== null)
    ctx.log('the stored m.direct map is unreadable; it is rebuilt on the next change');
  // Our device's keys go up (and one-time keys are topped up) before the first sync is mapped.
  const crypto = await accountCrypto(ctx, a);
  crypto?.kickOutgoing();
  a.whoamiDone = true;
  return {
    remoteId: who.user_id,
    displayName: profile?.displayname ?? localpart(who.user_id),
    avatarUrl: profile?.avatar_url ?? null,
    isSelf: true,
  };
}
