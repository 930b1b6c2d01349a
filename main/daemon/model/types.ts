// The normalized model every connector maps into and every caller reads from.
// This is the ground floor: it imports nothing.

export const PROTOCOLS = ['matrix', 'jmap-mail', 'jmap-chat', 'rest-chat', 'unichat'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * `offline`: the server could not be reached (network, timeout, 5xx, rate
 * limit) and the loop retries by itself; `error`: something else failed (a
 * reply we cannot read, a refusal), also retried, with the details to show;
 * `disk_full`: nothing new could be stored; the loop tries again and goes on
 * once there is space.
 */
export type AccountStatus =
  'active' | 'syncing' | 'offline' | 'error' | 'signed_out' | 'paused' | 'disk_full';

export interface Workspace {
  id: number;
  name: string;
  position: number;
}

export interface Account {
  /**
   * accounts.list only: the account's connector encrypts writes into end-to-end
   * encrypted chats (Matrix with its crypto store and module).
   */
  encrypts?: boolean;
  /** accounts.list only: the account's server makes link previews (Matrix preview_url). */
  linkPreviews?: boolean;
  /** accounts.list only: its messages have links others can open (messages.permalink). */
  permalinks?: boolean;
  id: number;
  workspaceId: number;
  protocol: Protocol;
  server: string;
  username: string;
  label: string;
  status: AccountStatus;
  statusDetail: string | null;
  createdAt: number;
  /**
   * When the loop tries again after a failure (epoch ms), while it waits;
   * null otherwise. Known to the running daemon only (not stored).
   */
  retryAt?: number | null;
}

/**
 * How far an account's initial sync or backfill has come (the sync.progress
 * event, the CLI's progress line). "Chats" are whatever the protocol syncs one
 * by one: rooms, mailboxes, conversations.
 */
export interface SyncProgress {
  accountId: number;
  /** 'done' once the local copy is complete (or the run gave up). */
  phase: 'initial' | 'backfill' | 'done';
  /** Messages new to the local copy since this run (or the daemon) started. */
  messagesStored: number;
  /**
   * Chats of this phase done / in all, when known: the initial sync's from the
   * connector (SyncBatch.progress), backfill's from the backfill cursors.
   */
  chatsDone: number | null;
  chatsTotal: number | null;
  /** 0..1 of this phase, or null when nothing tells how much is left. */
  fraction: number | null;
  /** Time left in this phase at the pace so far (ms), once there is a pace to go by. */
  etaMs: number | null;
  /**
   * Chats whose history is complete / still to fetch, for connectors that
   * backfill chat by chat; null for one that backfills the account as a whole.
   */
  chatsBackfilled: number | null;
  chatsRemaining: number | null;
}

export type ChatKind = 'direct' | 'group' | 'channel' | 'thread' | 'mail';
export type MessageKind =
  | 'text'
  | 'notice'
  | 'emote'
  | 'image'
  | 'file'
  | 'audio'
  | 'video'
  | 'location'
  | 'mail'
  | 'system'
  | 'encrypted';

// ---- What connectors emit: remote ids only, the store resolves local ids. ----

export interface RemoteSpace {
  remoteId: string;
  name: string;
  kind?: string; // e.g. 'space', 'mailbox', 'category'
  role?: string | null; // mailbox role: inbox, sent, ...
  parentRemoteId?: string | null;
  raw?: unknown;
}

export interface RemoteChat {
  remoteId: string;
  kind: ChatKind;
  name: string;
  topic?: string | null;
  avatarUrl?: string | null;
  spaceRemoteId?: string | null;
  unreadCount?: number;
  mentionCount?: number;
  /** End-to-end encrypted (writes go out encrypted, or are refused when the account cannot encrypt). */
  encrypted?: boolean;
  /** Who invited the user, while the chat is an open invitation (the server said). */
  inviterRemoteId?: string | null;
  /**
   * The user's own settings as the server keeps them (REST chat), given only
   * when the server's value changed: they overwrite the local flags then, and
   * are left alone when absent (a flag set here and not yet sent stays).
   */
  muted?: boolean;
  archived?: boolean;
  blocked?: boolean;
  /** The server's object, kept only as an archive of fields the model has none for. */
  raw?: unknown;
}

/**
 * How far the sender's device of an end-to-end encrypted message is trusted
 * (Matrix: the crypto's verification state). Only `verified` guarantees the sender.
 */
export const ENCRYPTION_TRUSTS = [
  'verified',
  'unverified',
  'identity_changed',
  'unsigned_device',
  'unknown_device',
  'insecure_source',
  'mismatched_sender',
] as const;
export type EncryptionTrust = (typeof ENCRYPTION_TRUSTS)[number];

export interface MessageEncryption {
  senderDevice: string | null;
  trust: EncryptionTrust;
}

export interface RemotePerson {
  remoteId: string;
  displayName: string;
  avatarUrl?: string | null;
  isSelf?: boolean;
  raw?: unknown;
}

export interface RemoteAttachment {
  remoteId: string;
  name: string;
  mime: string;
  size: number | null;
  width?: number | null;
  height?: number | null;
  /**
   * What the connector needs besides the remote id to fetch the bytes (a
   * Matrix encrypted file's key, IV and checksum): its own JSON, opaque to the
   * store and handed back in AttachmentRef.source.
   */
  source?: string | null;
}

/** An address in a mail's header; `name` is null when the header gives none. */
export interface MailHeaderAddress {
  name: string | null;
  email: string;
}

/** The addresses of a mail that the reader shows above it. */
export interface MailHeaders {
  from: MailHeaderAddress[];
  to: MailHeaderAddress[];
  cc: MailHeaderAddress[];
}

/** What a mail carries besides its text: its addresses and the keywords Parley shows. */
export interface RemoteMailFields extends MailHeaders {
  /** Flagged ($flagged): shown as starred. */
  flagged: boolean;
  /** A draft ($draft). */
  draft: boolean;
}

export interface RemoteMessage {
  remoteId: string;
  chatRemoteId: string;
  senderRemoteId: string | null;
  senderName?: string | null;
  ts: number; // ms since epoch, server time
  kind: MessageKind;
  body: string;
  html?: string | null;
  subject?: string | null;
  replyToRemoteId?: string | null;
  threadRootRemoteId?: string | null;
  editedTs?: number | null;
  deleted?: boolean;
  mentionsSelf?: boolean;
  mentionRemoteIds?: string[];
  attachments?: RemoteAttachment[];
  /**
   * Whether the message should notify, as the protocol's own rules decide
   * (Matrix push rules); null or absent: it does unless it is a system message.
   * mentionsSelf is the highlight.
   */
  notify?: boolean | null;
  /** Opaque to the store: an edit applies only to a message of the same scope (see RemoteEdit). */
  editScope?: string | null;
  /** Client-chosen key that matched an outbox entry (local echo → server copy). */
  idempotencyKey?: string | null;
  /** Mail only: headers and keywords (kind 'mail'). */
  mail?: RemoteMailFields;
  /** End-to-end encrypted messages: who sent it from which device, and how far we trust it. */
  encryption?: MessageEncryption | null;
  /** The server's object, kept only as an archive of fields the model has none for. */
  raw?: unknown;
}

export interface RemoteReaction {
  messageRemoteId: string;
  senderRemoteId: string;
  key: string;
  ts: number;
  remoteId?: string | null;
}

export interface RemoteEdit {
  messageRemoteId: string;
  body: string;
  html?: string | null;
  editedTs: number;
  /** Who edited: when given, only an edit by the message's own sender applies. */
  senderRemoteId?: string | null;
  /** When given, the edit applies only to a message whose editScope is the same. */
  scope?: string | null;
  /** The edit's own remote id, when it has one: deleting it reverts the edit. */
  remoteId?: string | null;
}

export type RemoteReadPosition =
  | {
      chatRemoteId: string;
      /** The newest message the user has read. The position only moves forward. */
      messageRemoteId: string;
      exact?: false;
    }
  | {
      chatRemoteId: string;
      /** The newest message the user has read; null: none. */
      messageRemoteId: string | null;
      /**
       * The server keeps the read state itself and this is all of it (JMAP
       * Mail's $seen): the position may move back, as when a mail is marked
       * unread here or by another client.
       */
      exact: true;
    };

export interface RemoteReceipt {
  chatRemoteId: string;
  personRemoteId: string;
  messageRemoteId: string;
  ts: number;
}

export interface RemotePresence {
  personRemoteId: string;
  presence: 'online' | 'unavailable' | 'offline';
  statusMsg?: string | null;
  lastActiveAgoMs?: number | null;
  currentlyActive?: boolean | null;
}

/** One unit a connector hands the engine. Applied atomically with `cursors`. */
/** What a connector may ask the store it holds (ConnectorContext.heldRemoteIds): messages not deleted, spaces, chats. */
export type HeldKind = 'messages' | 'spaces' | 'chats';

export interface SyncBatch {
  spaces?: RemoteSpace[];
  chats?: RemoteChat[];
  people?: RemotePerson[];
  members?: { chatRemoteId: string; personRemoteId: string; membership: string; role?: string }[];
  messages?: RemoteMessage[];
  edits?: RemoteEdit[];
  deletions?: { messageRemoteId: string }[];
  /**
   * Chats whose history the server cleared: every message of the chat that
   * came from the server goes (row, search entry, attachments, reactions; no
   * tombstone), and the chat's counts and preview follow. The point of the
   * clear is this batch: its own messages are newer and stay, and so do local
   * echoes of sends the server has not confirmed yet. Applied before the
   * batch's messages; an unknown chat is skipped.
   */
  clearedChats?: { chatRemoteId: string }[];
  reactionsAdded?: RemoteReaction[];
  reactionsRemoved?: Omit<RemoteReaction, 'ts'>[];
  readPositions?: RemoteReadPosition[];
  removedChats?: string[];
  /**
   * Spaces the server no longer has (a deleted mailbox), applied last in the
   * batch. Their chats stay, outside any space, until a batch places them
   * again: a chat does not go with its space (mail moved out of a mailbox
   * before it was deleted is still there); what did go arrives as deletions
   * or removedChats.
   */
  removedSpaces?: string[];
  /**
   * The draft the server keeps for a chat (unichat's subscription draft, shared
   * among the user's devices): replaces the local draft's text, keeping what it
   * replies to; an empty body clears it. Only a draft that changed on the
   * server goes here (the connector compares with what it saw last).
   */
  drafts?: { chatRemoteId: string; body: string }[];
  /** Read receipts of people (others too): the newest message each one has read in a chat. */
  receipts?: RemoteReceipt[];
  /** Ephemeral, never stored: who is typing in a chat now (replaces the chat's previous list). */
  typing?: { chatRemoteId: string; personRemoteIds: string[] }[];
  /** Ephemeral, never stored: people's presence. */
  presence?: RemotePresence[];
  /** Stream name → opaque cursor; committed in the same transaction as the data. */
  cursors?: Record<string, string | null>;
  /**
   * How far this pass has come, for a connector that syncs chat by chat and
   * knows how many there are: chats done (this batch's included) and in all.
   * Only shown as progress; never stored.
   */
  progress?: { done: number; total: number };
  /**
   * Key → the connector's typed state (read back with ctx.state(key, schema));
   * stored as JSON with the cursors, in the same transaction; null clears it.
   */
  state?: Record<string, unknown>;
}

// ---- What readers get. ----

export interface ChatSummary {
  id: number;
  accountId: number;
  workspaceId: number;
  remoteId: string;
  kind: ChatKind;
  name: string;
  topic: string | null;
  spaceId: number | null;
  lastActivityTs: number;
  lastMessagePreview: string | null;
  unreadCount: number;
  mentionCount: number;
  muted: boolean;
  pinned: boolean;
  archived: boolean;
  /** The user blocked this chat (REST chat): no notifications from it; posting is refused. */
  blocked: boolean;
  /** End-to-end encrypted: writes are refused (encryption_unavailable) until Parley can encrypt. */
  encrypted: boolean;
  /** The chat's picture as the protocol names it (Matrix: an mxc:// URI); fetch with media.fetch. */
  avatarUrl?: string | null;
}

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed';

export interface Reaction {
  key: string;
  count: number;
  mine: boolean;
}

export interface AttachmentInfo {
  id: number;
  name: string;
  mime: string;
  size: number | null;
  blobSha256: string | null;
  /** Pixel size when the sender said (images, video): the timeline reserves the space. */
  width?: number | null;
  height?: number | null;
}

export interface MessageView {
  id: number;
  chatId: number;
  accountId: number;
  remoteId: string | null;
  senderName: string;
  senderRemoteId: string | null;
  ts: number;
  kind: MessageKind;
  body: string;
  html: string | null;
  subject: string | null;
  replyToRemoteId: string | null;
  threadRootRemoteId: string | null;
  edited: boolean;
  deleted: boolean;
  reactions: Reaction[];
  attachments: AttachmentInfo[];
  /** Present while the message is a local echo that has not been confirmed. */
  outboxState: OutboxState | null;
  /** Mail only: flagged ($flagged). */
  starred?: boolean;
  /** Mail only: a draft ($draft). */
  draft?: boolean;
  /** The message mentions the user (highlighted; counted in the chat list). */
  mentionsMe?: boolean;
  /** The sender's picture as the protocol names it (fetch with media.fetch). */
  senderAvatarUrl?: string | null;
  /** End-to-end encrypted and decrypted: the sender's device and its trust; null (or absent) otherwise. */
  encryption?: MessageEncryption | null;
}

export interface SearchHit {
  messageId: number;
  chatId: number;
  chatName: string;
  accountId: number;
  senderName: string;
  ts: number;
  /** Text with matches wrapped in the markers from the search options (default «[» and «]»). */
  snippet: string;
}

/** A page of search hits that says whether it is everything, and how to get the rest. */
export interface SearchPage {
  hits: SearchHit[];
  /** More hits exist than this page holds, or some messages are not indexed yet. */
  partial: boolean;
  /** Newest-first: pass as beforeId for the next page; null on the last page. */
  nextBeforeId: number | null;
  /** Messages this query depends on that the background indexer has not reached yet. */
  unindexed: number;
  /** What is missing and how to get it, in words; null when the page is complete. */
  hint: string | null;
}
