// The Matrix connector: password login, then the jobs wired from their
// modules — sync.ts (initial sync and catch-up), liveAndGaps.ts (long-poll
// /sync and the gaps a limited timeline leaves), backfill.ts (older history
// through /messages), actions.ts (the outbox operations, with the idempotency
// key as txnId; typing, presence), media.ts (downloads). See docs/connectors.md.
import type {
  AttachmentRef,
  Connector,
  ConnectorCapabilities,
  ConnectorContext,
  Credentials,
  FetchedAttachment,
  LoginResult,
  RemoteLinkPreview,
  WriteResult,
} from '../connector.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../model/ops.js';
import { dispatch, operationNames } from '../operations.js';
import { SessionCache } from '../sessionCache.js';
import { matrixCapabilities } from './kind.js';
import { enc, MatrixTransport } from './transport.js';
import { loginResponseSchema, profileSchema, type MatrixSession } from './wire.js';
import { localpart } from './mapping/common.js';
import {
  accountCrypto,
  C,
  openMatrixAccount,
  parseSession,
  type MatrixAccount,
  type MatrixConnectorOptions,
  type MatrixOptions,
  type Presence,
} from './account.js';
import { sync } from './sync.js';
import { live } from './liveAndGaps.js';
import { backfill } from './backfill.js';
import { matrixOperations, setPresence, setTyping } from './actions.js';
import { download, previewUrl } from './media.js';
import { fetchAttachmentBytes, fetchThumbnailBytes } from './encryptedMedia.js';
import * as z from 'zod';
import { randomBytes } from 'node:crypto';
import { closeAccountCrypto, deleteCryptoStore } from './crypto/cryptoStore.js';
import { matrixPermalink } from './permalink.js';
import { matrixMemberAuthority } from './powerLevels.js';
import type { KeyBackup, KeyBackupStatus, RestoreResult } from './crypto/keyBackup.js';
import { EncryptionUnavailableError } from '../errors.js';
import { MatrixSecurity } from './security.js';

export type { MatrixConnectorOptions } from './account.js';

export class MatrixConnector implements Connector {
  readonly protocol = 'matrix' as const;
  readonly operations = operationNames(matrixOperations);
  readonly capabilities: ConnectorCapabilities;
  private readonly opts: MatrixOptions;
  private readonly accounts = new SessionCache<MatrixAccount>(async (_server, _user, secret) =>
    openMatrixAccount(secret, this.opts.cryptoDir),
  );
  /** This device, cross-signing, sessions, trust and verification (connectors/security.ts). */
  readonly security = new MatrixSecurity(this.accounts);
  /** Sessions whose crypto store this instance may have opened (closed by close()). */
  private readonly sessions = new Set<string>();

  constructor(options: MatrixConnectorOptions = {}) {
    this.opts = {
      timelineLimit: options.timelineLimit ?? 20,
      longPollMs: options.longPollMs ?? 30_000,
      pageSize: options.pageSize ?? 100,
      backfillDepth: options.backfillDepth ?? Number.POSITIVE_INFINITY,
      maxGapPages: options.maxGapPages ?? 50,
      cryptoDir: options.cryptoDir ?? null,
    };
    this.capabilities = matrixCapabilities(this.opts.cryptoDir, this.operations);
  }

  permalink(roomId: string, eventId: string): string {
    return matrixPermalink(roomId, eventId);
  }

  readonly memberAuthority = matrixMemberAuthority;

  async login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult> {
    const homeserver = credentials.server.replace(/\/+$/, '');
    const anon = new MatrixTransport(homeserver);
    const user = credentials.username.startsWith('@')
      ? credentials.username
      : localpart(`@${credentials.username}`);
    const res = await anon.json('POST', `${C}/login`, loginResponseSchema, {
      anonymous: true,
      signal,
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password: credentials.password,
        initial_device_display_name: 'Parley',
      },
    });
    const session: MatrixSession = {
      accessToken: res.access_token,
      deviceId: res.device_id,
      userId: res.user_id,
      homeserver,
      // The new device's crypto store key: kept in the keychain with the token.
      cryptoKey: randomBytes(32).toString('base64'),
    };
    const authed = new MatrixTransport(homeserver, res.access_token);
    const profile = await authed
      .json('GET', `${C}/profile/${enc(res.user_id)}`, profileSchema, { signal })
      .catch(() => null);
    return {
      secret: JSON.stringify(session),
      selfRemoteId: res.user_id,
      selfDisplayName: profile?.displayname ?? localpart(res.user_id),
    };
  }

  /**
   * Ends the session. The server deletes the device with it (and its keys),
   * so its local crypto store is of no more use and is deleted too.
   */
  logout(ctx: ConnectorContext): Promise<void> {
    return this.accounts.guard(ctx, async (a) => {
      await a.transport.json('POST', `${C}/logout`, z.unknown(), { body: {}, signal: ctx.signal });
      if (this.opts.cryptoDir) await deleteCryptoStore(this.opts.cryptoDir, a.session);
    });
  }

  /** Releases the crypto stores this instance opened (the engine calls it when the account stops). */
  async close(): Promise<void> {
    const dir = this.opts.cryptoDir;
    if (!dir) return;
    for (const secret of this.sessions) await closeAccountCrypto(dir, parseSession(secret));
    this.sessions.clear();
  }

  sync(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    this.sessions.add(ctx.secret);
    return this.accounts.guardStream(ctx, (a) => sync(ctx, a, this.opts));
  }

  live(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    return this.accounts.guardStream(ctx, (a) => live(ctx, a, this.opts));
  }

  backfill(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    return this.accounts.guardStream(ctx, (a) => backfill(ctx, a, this.opts));
  }

  perform(ctx: ConnectorContext, op: OutboxOp, key: string): Promise<WriteResult> {
    this.sessions.add(ctx.secret);
    return this.accounts.guard(ctx, (a) =>
      dispatch(this.protocol, matrixOperations, a, op, key, ctx),
    );
  }

  setTyping(ctx: ConnectorContext, roomId: string, typing: boolean): Promise<void> {
    return this.accounts.guard(ctx, (a) => setTyping(ctx, a, roomId, typing));
  }

  setPresence(ctx: ConnectorContext, presence: Presence, statusMsg?: string | null): Promise<void> {
    return this.accounts.guard(ctx, (a) => setPresence(ctx, a, presence, statusMsg));
  }

  fetchAttachment(ctx: ConnectorContext, a: AttachmentRef): Promise<FetchedAttachment> {
    return this.accounts.guard(ctx, (acc) => fetchAttachmentBytes(acc.transport, a, ctx.signal));
  }

  fetchMedia(
    ctx: ConnectorContext,
    uri: string,
    thumbnail?: { width: number; height: number },
  ): Promise<FetchedAttachment> {
    return this.accounts.guard(ctx, (acc) =>
      download(acc.transport, uri, ctx.signal, thumbnail && { ...thumbnail, method: 'crop' }),
    );
  }

  previewUrl(ctx: ConnectorContext, url: string): Promise<RemoteLinkPreview | null> {
    return this.accounts.guard(ctx, (acc) => previewUrl(acc.transport, url, ctx.signal));
  }

  keyBackupStatus(ctx: ConnectorContext): Promise<KeyBackupStatus> {
    return this.withKeyBackup(ctx, (b) => b.status(ctx.signal));
  }

  setUpKeyBackup(
    ctx: ConnectorContext,
    replace: boolean,
  ): Promise<{ recoveryKey: string; version: string }> {
    return this.withKeyBackup(ctx, (b) => b.setUp(ctx.signal, replace));
  }

  restoreKeyBackup(ctx: ConnectorContext, recoveryKey: string): Promise<RestoreResult> {
    return this.withKeyBackup(ctx, (b) => b.restore(recoveryKey, ctx.signal));
  }

  /** The account's key backup; refused when this session has no end-to-end encryption. */
  private withKeyBackup<T>(ctx: ConnectorContext, f: (b: KeyBackup) => Promise<T>): Promise<T> {
    this.sessions.add(ctx.secret);
    return this.accounts.guard(ctx, async (a) => {
      const backup = (await accountCrypto(ctx, a))?.backup;
      if (!backup)
        throw new EncryptionUnavailableError(
          'end-to-end encryption is unavailable for this account (or its crypto module predates key backup: run node scripts/build-crypto.mjs), so it has no key backup',
        );
      return f(backup);
    });
  }

  fetchThumbnail(
    ctx: ConnectorContext,
    a: AttachmentRef,
    size: { width: number; height: number; method?: 'scale' | 'crop' },
  ): Promise<FetchedAttachment> {
    return this.accounts.guard(ctx, (acc) =>
      fetchThumbnailBytes(acc.transport, a, size, ctx.signal),
    );
  }
}
