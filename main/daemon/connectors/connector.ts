// The one interface every protocol implements. Connectors speak their wire
// protocol and return normalized SyncBatches; they never touch the store, and
// their quirks stay inside their folder. See docs/connectors.md.
import type { z } from 'zod';
import type { Account, HeldKind, Protocol, SyncBatch } from '../model/types.js';
import type { OpName, OutboxOp } from '../model/ops.js';
import type { SecurityEvent } from '../model/security.js';

/**
 * A connector that backfills chat by chat keeps one cursor per chat named
 * `backfill:<chat remote id>`, set to 'done' when that chat's history is
 * complete (to the connector's depth). The engine counts these to report
 * backfill progress; a connector without per-chat backfill just has none.
 */
export const BACKFILL_STREAM_PREFIX = 'backfill:';

export interface ConnectorCapabilities {
  /** A push channel (long-poll, EventSource, websocket) after the initial sync. */
  live: boolean;
  /** History older than the initial sync window can be fetched. */
  backfill: boolean;
  edit: boolean;
  react: boolean;
  delete: boolean;
  readMarkers: boolean;
  typing: boolean;
  attachments: boolean;
  // edit, react, delete, readMarkers and membership are read off the connector's
  // operation table (connectors/operations.ts: writeCapabilities).
  /** Create chats, join, leave, forget, invite, kick, ban (outbox ops chatCreate, chatJoin…). */
  membership?: boolean;
  /** Own presence can be set (setPresence). */
  presence?: boolean;
  /** Text writes (send, edit, react) into end-to-end encrypted chats go out encrypted. */
  encryption?: boolean;
  /** The server makes previews of links (previewUrl). */
  linkPreviews?: boolean;
}

/** Reads the connector's own state for an account (ConnectorContext.state). */
export type StateReader = ConnectorContext['state'];

/**
 * Who holds which role in a chat, and what the signed-in user may do to whom
 * there, as the connector knows it from what it synced (no request).
 */
export interface MemberAuthority {
  /** The member's role in the model's words (admin, moderator, reader…); null for none. */
  roleOf(personRemoteId: string): string | null;
  /** What the user may do in this chat at all; null where the protocol's rules are not known. */
  readonly may: { invite: boolean; kick: boolean; ban: boolean } | null;
  /** May the user remove / ban this member? (Always false for themself.) */
  mayKick(personRemoteId: string): boolean;
  mayBan(personRemoteId: string): boolean;
}

/**
 * What one kind of connector can do, known without making one (the registry
 * answers it for every account, running or not). It must agree with what the
 * connector's instances say.
 */
export interface ConnectorKind {
  readonly capabilities: ConnectorCapabilities;
  /** The outbox operations its connectors handle (Connector.operations). */
  readonly operations: ReadonlySet<OpName>;
  /**
   * A link to a message that people outside Parley can open (Matrix: a
   * matrix.to link); absent where the protocol has no such links.
   */
  permalink?(chatRemoteId: string, messageRemoteId: string): string;
}

/** Roles and the user's powers in a chat, read off its synced state; null when unknown. */
export type MemberAuthorityReader = (
  state: StateReader,
  chatRemoteId: string,
  selfRemoteId: string,
) => MemberAuthority | null;

/** An attachment's bytes, streamed (fetchAttachment). */
export interface FetchedAttachment {
  mime: string;
  size: number | null;
  stream: AsyncIterable<Uint8Array>;
}

/** A link preview as the server made it; the image stays a URI in its media repository. */
export interface RemoteLinkPreview {
  title: string | null;
  description: string | null;
  siteName: string | null;
  imageUri: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
}

export interface AttachmentRef {
  remoteId: string;
  name: string;
  mime: string;
  /** What the connector stored with it (RemoteAttachment.source), or null. */
  source?: string | null;
}

export interface Credentials {
  server: string;
  username: string;
  password: string;
}

export interface LoginResult {
  /** What goes to the keychain (a token, or the password where the protocol has no tokens). */
  secret: string;
  /** The user's own remote id on this account. */
  selfRemoteId: string;
  selfDisplayName?: string;
}

export interface ConnectorContext {
  readonly account: Account;
  readonly secret: string;
  /** The last committed cursor of a stream, or null before the first sync. */
  cursor(stream: string): string | null;
  /**
   * A typed value the connector keeps for the account (set by SyncBatch.state,
   * committed with its batch), parsed with `schema`; null when unset or when
   * what is stored no longer parses (the connector rebuilds it).
   */
  state<T>(key: string, schema: z.ZodType<T>): T | null;
  /** The bytes of a blob in the blob store (an outgoing attachment), streamed. */
  openBlob(sha256: string): AsyncIterable<Uint8Array>;
  /**
   * Remote ids of what the store holds of this account (messages not deleted,
   * or spaces), `limit` at a time in remote id order after `after` (null: from
   * the start; an empty page is the end). For reconciling with a server that
   * cannot say what changed; only the sync loop's context has them.
   */
  heldRemoteIds(kind: HeldKind, after: string | null, limit: number): string[];
  readonly signal: AbortSignal;
  log(message: string): void;
  /** Reports end-to-end security news (verifications, identity changes); the sync loop's context has it. */
  security?(event: SecurityEvent): void;
}

/**
 * What the outbox entry says about earlier attempts of a write. It comes from
 * the stored entry, so it is the same after a daemon restart: a connector whose
 * protocol has no lasting idempotency handle uses it to find a copy an earlier
 * attempt left on the server before writing again.
 */
export interface WriteAttempt {
  /** Attempts begun before this one; above 0, an earlier one may have reached the server. */
  earlier: number;
  /** When the user made the write (ms since the epoch); the same on every attempt. */
  queuedAt: number;
}

/** A write never tried before, made now (callers outside the outbox). */
export const firstAttempt = (): WriteAttempt => ({ earlier: 0, queuedAt: Date.now() });

export interface WriteResult {
  /** The server's id for what was created (a sent message), when there is one. */
  remoteId?: string | null;
}

export interface Connector {
  readonly protocol: Protocol;
  readonly capabilities: ConnectorCapabilities;
  /** The outbox operations perform() handles (its operation table's names). */
  readonly operations: ReadonlySet<OpName>;
  login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult>;
  /**
   * Initial sync, then catch-up from the cursors: yields batches (newest first
   * on first run) and returns once the account is up to date. Each batch
   * carries the cursors it advances; the engine commits them together.
   */
  sync(ctx: ConnectorContext): AsyncIterable<SyncBatch>;
  /** Live updates until ctx.signal aborts. Only with capabilities.live. */
  live?(ctx: ConnectorContext): AsyncIterable<SyncBatch>;
  /** Older history, in the background. Only with capabilities.backfill. */
  backfill?(ctx: ConnectorContext): AsyncIterable<SyncBatch>;
  /**
   * Performs one outbox write through the connector's operation table; the
   * idempotency key (and, where the protocol needs it, `attempt`) makes a
   * retry safe. An operation outside the table throws UnsupportedOperationError.
   */
  perform(
    ctx: ConnectorContext,
    op: OutboxOp,
    idempotencyKey: string,
    attempt?: WriteAttempt,
  ): Promise<WriteResult>;
  logout?(ctx: ConnectorContext): Promise<void>;
  /** Releases what the connector holds open for its accounts (the engine calls it when an account stops). */
  close?(): Promise<void>;
  /** Downloads an attachment's bytes (on demand; the caller puts them in the blob store). */
  fetchAttachment?(ctx: ConnectorContext, attachment: AttachmentRef): Promise<FetchedAttachment>;
  /** A server-made thumbnail of an image attachment, when the protocol has them. */
  fetchThumbnail?(
    ctx: ConnectorContext,
    attachment: AttachmentRef,
    size: { width: number; height: number; method?: 'scale' | 'crop' },
  ): Promise<FetchedAttachment>;
  /**
   * Media the server keeps by URI (avatars, inline images: Matrix mxc://),
   * whole or as a server-made thumbnail. Where the protocol has a media repository.
   */
  fetchMedia?(
    ctx: ConnectorContext,
    uri: string,
    thumbnail?: { width: number; height: number },
  ): Promise<FetchedAttachment>;
  /** Same as its kind's (ConnectorKind), for registries made without one. */
  permalink?(chatRemoteId: string, messageRemoteId: string): string;
  /** Roles and powers in a chat, where the protocol has them (ConnectorRegistry.memberAuthority). */
  memberAuthority?: MemberAuthorityReader;
  /** A link's preview made by the server (Matrix preview_url); null when it has none. */
  previewUrl?(ctx: ConnectorContext, url: string): Promise<RemoteLinkPreview | null>;
  /** Ephemeral: tells the chat we are (or stopped) typing. Only with capabilities.typing. */
  setTyping?(ctx: ConnectorContext, chatRemoteId: string, typing: boolean): Promise<void>;
  /** Sets our own presence. Only with capabilities.presence. */
  setPresence?(
    ctx: ConnectorContext,
    presence: 'online' | 'unavailable' | 'offline',
    statusMsg?: string | null,
  ): Promise<void>;
}
