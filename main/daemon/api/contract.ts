// The one contract between Parley's daemon and every caller (renderer over IPC
// or web mode, CLI). Each procedure has a runtime schema for its input, checked
// before any handler runs, and a TypeScript type for its output. Events are
// deltas. The renderer imports this module for types and names only.
import * as z from 'zod';
import type {
  Account,
  AccountStatus,
  ChatSummary,
  MessageView,
  OutboxState,
  SearchPage,
  SyncProgress,
  Workspace,
} from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';
// The error half of the contract has no schema: hosts that only pass calls
// through (DaemonHost in the app's main process) import it without zod.
export { ApiError, type ApiErrorCode, type ApiErrorShape, type ApiResult } from './apiError.js';
import type {
  DeviceView,
  SecurityStatus,
  UserTrustView,
  VerificationView,
} from '../model/security.js';

const id = z.number().int().positive();
const text = (max: number) => z.string().max(max);

export interface OutboxItem {
  id: number;
  accountId: number;
  chatId: number | null;
  op: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  localMessageId: number | null;
  /** What the server created (a message id, a new chat's id), once sent. */
  remoteId?: string | null;
}

export interface KeyBackupStatusView {
  /** The backup version this device uploads to (null: off on this device). */
  version: string | null;
  /** The server's current backup version (null: the account has none). */
  serverVersion: string | null;
  /** Room keys on this device, and how many of them are backed up. */
  keys: { total: number; backedUp: number };
  /** Whether the account has secret storage (a recovery key opens it). */
  secretStorage: boolean;
}

export interface ChatMatch {
  chatId: number;
  accountId: number;
  name: string;
}

export interface ReceiptView {
  personRemoteId: string;
  name: string;
  /** The newest message this person has read (null when the store does not have it). */
  messageId: number | null;
  messageRemoteId: string;
  ts: number;
}

export interface SpaceView {
  id: number;
  accountId: number;
  remoteId: string;
  name: string;
  kind: string;
  parentId: number | null;
  /** Chats in this space (their ChatSummary.spaceId is this id). */
  chatIds: number[];
}

export interface InviteView {
  chat: ChatSummary;
  /** Who invited us, when the server said. */
  inviterRemoteId: string | null;
  inviterName: string | null;
}

export interface DraftView {
  body: string;
  replyToMessageId: number | null;
  updatedAt: number;
}

/** A member of a chat, for mentions, avatars and the member panel. */
export interface MemberView {
  personRemoteId: string;
  name: string;
  /** As the protocol names it (Matrix: mxc://); fetch with media.fetch. */
  avatarUrl: string | null;
  /** join, invite, leave, ban (as the protocol says). */
  membership: string;
  /**
   * owner, admin, writer, reader where the protocol has roles (unichat, JMAP
   * Chat); admin, moderator, reader from Matrix power levels; else null.
   */
  role: string | null;
  isSelf: boolean;
  /**
   * Whether the signed-in user may remove / ban this member, where the
   * protocol's rules are known (Matrix power levels); absent otherwise (the
   * server decides).
   */
  mayKick?: boolean;
  mayBan?: boolean;
}

/** What the signed-in user may do in a chat (chats.permissions). */
export interface ChatPermissions {
  invite: boolean;
  kick: boolean;
  ban: boolean;
}

/** What a link shows before it is opened (Matrix preview_url: Open Graph fields). */
export interface LinkPreview {
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** An image for it, in the account's media repository (fetch with media.fetch). */
  imageUri: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
}

/** Per-account settings the app edits (accounts.settings / accounts.updateSettings). */
export interface AccountSettingsView {
  historyDays: number | null;
  /** Link previews fetched through the account's server; on by default. */
  linkPreviews: boolean;
}

export type NotifyLevel = 'all' | 'mentions' | 'none';

/** Do-not-disturb: a daily quiet window in local time ("22:00" to "07:00" crosses midnight). */
export interface DndSchedule {
  enabled: boolean;
  /** "HH:MM", local time. */
  from: string;
  to: string;
  /** Days the window starts on, 0 = Sunday; empty means every day. */
  days: number[];
}

/** App-wide settings the renderer edits and the shell applies (stored in the settings table). */
export interface AppSettings {
  dnd: DndSchedule;
  /** Per account id: notification level for all its chats (a chat's own level is checked first). */
  accountNotify: Record<string, NotifyLevel>;
}

export const DEFAULT_SETTINGS: AppSettings = {
  dnd: { enabled: false, from: '22:00', to: '07:00', days: [] },
  accountNotify: {},
};

export interface MailHeaders {
  from: { name: string | null; email: string }[];
  to: { name: string | null; email: string }[];
  cc: { name: string | null; email: string }[];
}

/** An automatic backup of the database (<profile>/backups/). */
export interface BackupView {
  name: string;
  /** When it was made (ms). */
  createdAt: number;
  size: number;
}

/**
 * Whether the profile's database opened. `damaged`: the quick check at
 * startup found problems (`detail` says which); the daemon then answers only
 * profile.* until a backup is restored.
 */
export interface ProfileHealth {
  database: 'ok' | 'damaged';
  detail: string | null;
  /** Newest first. */
  backups: BackupView[];
}

const out = <T>() => z.custom<T>(() => true);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24-hour)');
const notifyLevel = z.enum(['all', 'mentions', 'none']);
const personRemoteId = text(512).min(1);
const memberAction = z
  .object({ chatId: id, personRemoteId, reason: text(1000).optional() })
  .strict();
/** A password for user-interactive auth: never stored, never logged. */
const secretText = z.string().min(1).max(1024);
const verificationStep = z.object({ accountId: id, flowId: text(255).min(1) }).strict();
const mailAddress = z
  .object({ name: text(200).nullable().optional(), email: z.string().email().max(320) })
  .strict();

export const procedures = {
  'profile.health': { input: z.object({}).strict(), output: out<ProfileHealth>() },
  /**
   * Only while the database is damaged: puts the backup (by name; default the
   * newest that passes the check) in its place and opens it. The damaged file
   * is kept beside it. `conflict` when the database is fine.
   */
  'profile.restoreBackup': {
    input: z
      .object({
        name: z
          .string()
          .regex(/^parley-\d{8}T\d{6}Z\.db$/, 'a backup name from profile.health')
          .optional(),
      })
      .strict(),
    output: out<{ restored: BackupView }>(),
  },
  /**
   * Exports one chat (or every chat) into a new folder: parley-export.json
   * (docs/export.md), index.html with a page per chat, and the downloaded
   * attachments. `to`, a folder on this machine, is for in-process callers
   * only (LOCAL_ONLY_INPUTS); others get a new folder in Downloads (or the
   * profile's exports/ folder).
   */
  'export.chats': {
    input: z
      .object({
        chatId: id.optional(),
        formats: z
          .array(z.enum(['json', 'html']))
          .min(1)
          .max(2)
          .optional(),
        to: text(4096).min(1).optional(),
      })
      .strict(),
    output: out<{
      dir: string;
      chats: number;
      messages: number;
      attachments: number;
      missingAttachments: number;
    }>(),
  },
  'workspaces.list': { input: z.object({}).strict(), output: out<Workspace[]>() },
  'accounts.list': { input: z.object({}).strict(), output: out<Account[]>() },
  'accounts.add': {
    input: z
      .object({
        protocol: z.enum(PROTOCOLS),
        server: z.string().url().max(2048),
        username: text(512).min(1),
        password: text(4096).min(1),
        label: text(200).optional(),
        workspace: text(200).min(1).optional(),
      })
      .strict(),
    output: out<Account>(),
  },
  /** Each account's own remote ids (to tell the user's messages apart, e.g. to edit the last one). */
  'accounts.self': {
    input: z.object({}).strict(),
    output: out<{ accountId: number; remoteIds: string[] }[]>(),
  },
  /**
   * "Retry now": an account waiting to retry after a failure tries at once (one
   * that failed to start is started). retried: false when there was nothing
   * to retry (it waits for the user to sign in again, or is not waiting).
   */
  'accounts.retry': {
    input: z.object({ accountId: id }).strict(),
    output: out<{ retried: boolean }>(),
  },
  /**
   * "Sign in again" for an account the server signed out: a new session with
   * the password, its secret to the keychain in place of the old one, and the
   * account syncs again. Nothing synced is lost.
   */
  'accounts.signIn': {
    input: z.object({ accountId: id, password: text(4096).min(1) }).strict(),
    output: out<Account>(),
  },
  'accounts.remove': {
    input: z.object({ accountId: id }).strict(),
    output: out<{ removed: boolean }>(),
  },
  // ---- End-to-end encryption key backup (Matrix; not_implemented elsewhere) ----
  /** This device's key backup, the server's, and whether the account has secret storage. */
  'keyBackup.status': {
    input: z.object({ accountId: id }).strict(),
    output: out<KeyBackupStatusView>(),
  },
  /**
   * "Set up backup": a backup key and a secret storage key are made, room keys
   * are backed up from now on, and the recovery key comes back ONCE (it is
   * kept nowhere: the caller shows it for the user to save). `conflict` when
   * the account already has a backup, unless `replace`.
   */
  'keyBackup.setUp': {
    input: z.object({ accountId: id, replace: z.boolean().optional() }).strict(),
    output: out<{ recoveryKey: string; version: string }>(),
  },
  /**
   * On a new device: the recovery key opens secret storage, whose backup key
   * downloads and imports every backed-up room key; messages waiting for
   * those keys decrypt. `invalid_input` for a wrong or mistyped key (nothing
   * changes), `not_found` when the account has no backup.
   */
  'keyBackup.restore': {
    input: z.object({ accountId: id, recoveryKey: text(200).min(1) }).strict(),
    output: out<{ version: string; imported: number; total: number; failed: number }>(),
  },
  'chats.list': {
    input: z
      .object({
        accountId: id.optional(),
        workspaceId: id.optional(),
        archived: z.boolean().optional(),
        /** Chats per page (pinned first, then by activity); default 1000. */
        limit: z.number().int().min(1).max(5000).optional(),
        /** The previous page's nextCursor: the page after it. */
        cursor: text(64).min(1).optional(),
      })
      .strict(),
    /** One page; nextCursor is null on the last. allChats() reads them all. */
    output: out<{ chats: ChatSummary[]; nextCursor: string | null }>(),
  },
  'chats.setFlags': {
    input: z
      .object({
        chatId: id,
        muted: z.boolean().optional(),
        pinned: z.boolean().optional(),
        archived: z.boolean().optional(),
        /** Only where the server keeps chat settings (REST chat); else `unsupported`. */
        blocked: z.boolean().optional(),
        notifyLevel: z.enum(['all', 'mentions', 'none']).optional(),
      })
      .strict(),
    output: out<ChatSummary>(),
  },
  'chats.prefs': {
    input: z.object({ chatId: id }).strict(),
    /**
     * canBlock: the server keeps chat settings and can block the chat (REST chat).
     * canClear: the server can clear the chat's history for everyone (REST chat;
     * whether this user may is the server's to say: chats.clear).
     */
    output: out<{ notifyLevel: NotifyLevel; canBlock: boolean; canClear: boolean }>(),
  },
  /**
   * Clears the chat's history for everyone, on the server (REST chat: the
   * owner, or either side of a personal chat). Queued; the messages leave
   * when the server says it cleared. A refusal fails the outbox entry with
   * the server's reason.
   */
  'chats.clear': {
    input: z.object({ chatId: id }).strict(),
    output: out<{ outboxId: number }>(),
  },
  /**
   * The chats whose timelines this watcher shows (api/timelineWatch.ts): the
   * daemon sends `messages.upserted` and `messages.removed` only for chats some
   * watcher shows; a change anywhere else reaches subscribers as its chat's
   * row in `chats.updated`. Replaces the watcher's previous list; an empty
   * list ends the watch. The window and web transports set `watcher` to their
   * own connection's name and end its watch when it goes, so a page can
   * neither keep a stale watch nor end another's. Watch before reading a
   * timeline: a change after the watch arrives as a delta, one before it is
   * in the read. `'all'` is for callers in the daemon's process (CLI, tests).
   */
  'timeline.watch': {
    input: z
      .object({
        watcher: text(64).min(1),
        chatIds: z.union([z.array(id).max(64), z.literal('all')]),
      })
      .strict(),
    output: out<null>(),
  },
  'chats.markRead': {
    input: z.object({ chatId: id, messageId: id }).strict(),
    output: out<ChatSummary>(),
  },
  /**
   * A page of a chat, always newest first. With `beforeId` (or neither): the
   * `limit` messages just older than it (default: the newest). With `afterId`:
   * the `limit` messages just newer than it — a page fewer than `limit` long
   * reached the newest message. At most one of beforeId, afterId.
   */
  'messages.page': {
    input: z
      .object({
        chatId: id,
        beforeId: id.optional(),
        afterId: id.optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict()
      .refine(
        (v) => v.beforeId === undefined || v.afterId === undefined,
        'give at most one of beforeId, afterId',
      ),
    output: out<MessageView[]>(),
  },
  /**
   * A window on a chat around one message, newest first like messages.page: up
   * to `after` (default 50) newer messages, the message itself, and up to
   * `before` (default 50) older ones. not_found when the message is not in the chat.
   */
  'messages.around': {
    input: z
      .object({
        chatId: id,
        messageId: id,
        before: z.number().int().min(0).max(500).optional(),
        after: z.number().int().min(0).max(500).optional(),
      })
      .strict(),
    output: out<MessageView[]>(),
  },
  /** Re-reads known messages (cheap live updates: edits, reactions, delivery states). */
  'messages.byIds': {
    input: z.object({ ids: z.array(id).min(1).max(500) }).strict(),
    output: out<MessageView[]>(),
  },
  'messages.send': {
    input: z
      .object({
        chatId: id,
        body: text(65_536).min(1),
        /** The same text formatted (Markdown made HTML); sent where the protocol has formatted bodies. */
        html: text(262_144).optional(),
        /** People the message mentions: the protocol's mention form (Matrix m.mentions). */
        mentions: z.array(personRemoteId).max(100).optional(),
        replyToMessageId: id.optional(),
        /** Sends into the thread under this message (or the thread it is a reply in). */
        threadRootMessageId: id.optional(),
      })
      .strict(),
    output: out<{ outboxId: number; messageId: number }>(),
  },
  /**
   * Forwards a message to a chat of the same account: linked to the original
   * where the protocol has forwards (unichat), its text alone elsewhere.
   */
  'messages.forward': {
    input: z.object({ messageId: id, toChatId: id }).strict(),
    output: out<{ outboxId: number; messageId: number }>(),
  },
  'messages.edit': {
    input: z
      .object({
        messageId: id,
        body: text(65_536).min(1),
        html: text(262_144).optional(),
        mentions: z.array(personRemoteId).max(100).optional(),
      })
      .strict(),
    output: out<{ outboxId: number }>(),
  },
  'messages.react': {
    input: z
      .object({ messageId: id, key: text(64).min(1), remove: z.boolean().optional() })
      .strict(),
    output: out<{ outboxId: number }>(),
  },
  'messages.delete': {
    input: z.object({ messageId: id }).strict(),
    output: out<{ outboxId: number }>(),
  },
  /**
   * A link to the message that people outside Parley can open, made by its
   * account's connector (Matrix: matrix.to); null where the protocol has none.
   */
  'messages.permalink': {
    input: z.object({ messageId: id }).strict(),
    output: out<{ url: string | null }>(),
  },
  'outbox.list': {
    input: z.object({ accountId: id.optional() }).strict(),
    output: out<OutboxItem[]>(),
  },
  'outbox.retry': {
    input: z.object({ outboxId: id }).strict(),
    output: out<{ retried: boolean }>(),
  },
  'drafts.get': { input: z.object({ chatId: id }).strict(), output: out<DraftView | null>() },
  'drafts.save': {
    input: z
      .object({ chatId: id, body: text(65_536), replyToMessageId: id.nullable().optional() })
      .strict(),
    output: out<{ saved: true }>(),
  },
  'search.query': {
    input: z
      .object({
        query: text(1000),
        limit: z.number().int().min(1).max(200).optional(),
        order: z.enum(['newest', 'relevance']).optional(),
        beforeId: id.optional(),
        /** What wraps each match in snippets; default «[» and «]» (readable in a terminal). */
        markers: z.tuple([z.string().min(1).max(8), z.string().min(1).max(8)]).optional(),
      })
      .strict(),
    /** partial + nextBeforeId/hint when there is more, or messages are not indexed yet. */
    output: out<SearchPage>(),
  },
  'search.chats': {
    input: z
      .object({ query: text(200), limit: z.number().int().min(1).max(100).optional() })
      .strict(),
    output: out<ChatMatch[]>(),
  },
  'settings.get': { input: z.object({}).strict(), output: out<AppSettings>() },
  'settings.set': {
    input: z
      .object({
        dnd: z
          .object({
            enabled: z.boolean(),
            from: hhmm,
            to: hhmm,
            days: z.array(z.number().int().min(0).max(6)).max(7),
          })
          .strict()
          .optional(),
        /** One account's level; null goes back to the default (each chat's own level). */
        accountNotify: z
          .object({ accountId: id, level: notifyLevel.nullable() })
          .strict()
          .optional(),
      })
      .strict(),
    output: out<AppSettings>(),
  },
  /**
   * Fetches remote images (e.g. a mail's, after the user asked to load them) into the
   * blob store, so the renderer shows them from there and never contacts the sender's server.
   */
  'media.fetchRemote': {
    input: z.object({ urls: z.array(z.string().url().max(4096)).min(1).max(50) }).strict(),
    output: out<{ url: string; sha256: string | null; error: string | null }[]>(),
  },
  /**
   * Media the account's server keeps (Matrix: an mxc:// URI through the
   * authenticated media endpoints) into the blob store, or a server-made
   * thumbnail of it with width and height; cached, so avatars and inline
   * images are fetched once.
   */
  'media.fetch': {
    input: z
      .object({
        accountId: id,
        uri: text(2048).min(1),
        width: z.number().int().min(1).max(2048).optional(),
        height: z.number().int().min(1).max(2048).optional(),
      })
      .strict()
      .refine(
        (v) => (v.width === undefined) === (v.height === undefined),
        'give both width and height, or neither',
      ),
    output: out<{ sha256: string; size: number; mime: string }>(),
  },
  /**
   * A link's preview, fetched by the account's server (Matrix preview_url) and
   * cached; null when the server has none, or previews are off for the account.
   */
  'media.linkPreview': {
    input: z.object({ accountId: id, url: z.string().url().max(4096) }).strict(),
    output: out<LinkPreview | null>(),
  },
  'accounts.settings': {
    input: z.object({ accountId: id }).strict(),
    output: out<AccountSettingsView>(),
  },
  'accounts.updateSettings': {
    input: z.object({ accountId: id, linkPreviews: z.boolean().optional() }).strict(),
    output: out<AccountSettingsView>(),
  },
  // ---- Mail (jmap-mail) ----
  /** From, To and Cc of a mail message, from what the server sent. */
  'mail.headers': {
    input: z.object({ messageId: id }).strict(),
    output: out<MailHeaders>(),
  },
  'mail.setKeyword': {
    input: z
      .object({ messageId: id, keyword: z.enum(['seen', 'flagged']), value: z.boolean() })
      .strict(),
    output: out<{ outboxId: number }>(),
  },
  'mail.move': {
    input: z
      .object({
        messageId: id,
        to: z.enum(['inbox', 'archive', 'trash', 'junk']).optional(),
        spaceId: id.optional(),
      })
      .strict()
      .refine(
        (v) => (v.to === undefined) !== (v.spaceId === undefined),
        'give exactly one of to, spaceId',
      ),
    output: out<{ outboxId: number }>(),
  },
  'mail.send': {
    input: z
      .object({
        chatId: id,
        mode: z.enum(['reply', 'replyAll']),
        replyToMessageId: id.optional(),
        to: z.array(mailAddress).max(500).optional(),
        cc: z.array(mailAddress).max(500).optional(),
        bcc: z.array(mailAddress).max(500).optional(),
        subject: text(998).optional(),
        body: text(1_000_000),
        html: text(5_000_000).optional(),
        saveDraftOnly: z.boolean().optional(),
      })
      .strict(),
    output: out<{ outboxId: number }>(),
  },
  /** A new mail (a new thread): sent, or kept on the server as a draft with saveDraftOnly. */
  'mail.compose': {
    input: z
      .object({
        accountId: id,
        to: z.array(mailAddress).max(500),
        cc: z.array(mailAddress).max(500).optional(),
        bcc: z.array(mailAddress).max(500).optional(),
        subject: text(998),
        body: text(1_000_000),
        html: text(5_000_000).optional(),
        saveDraftOnly: z.boolean().optional(),
      })
      .strict()
      .refine(
        (v) =>
          v.saveDraftOnly || (v.to?.length ?? 0) + (v.cc?.length ?? 0) + (v.bcc?.length ?? 0) > 0,
        'a mail needs at least one recipient',
      ),
    output: out<{ outboxId: number }>(),
  },
  /** Fetches an attachment's bytes into the blob store (once; the same server blob is reused). */
  'mail.fetchAttachment': {
    input: z.object({ attachmentId: id }).strict(),
    output: out<{ sha256: string; size: number; mime: string }>(),
  },
  // ---- Chats and membership (protocol-neutral; not_implemented where the protocol has none) ----
  /** Creates a chat; `direct` with exactly one invitee makes a direct chat (Matrix: m.direct). */
  'chats.create': {
    input: z
      .object({
        accountId: id,
        name: text(255).optional(),
        topic: text(1000).optional(),
        invite: z.array(personRemoteId).max(100).optional(),
        direct: z.boolean().optional(),
        public: z.boolean().optional(),
      })
      .strict()
      .refine((v) => !v.direct || v.invite?.length === 1, 'a direct chat has exactly one invitee'),
    output: out<{ outboxId: number }>(),
  },
  /** Joins a chat by its remote id or address (Matrix: !room:id or #alias:server). */
  'chats.join': {
    input: z.object({ accountId: id, target: text(512).min(1) }).strict(),
    output: out<{ outboxId: number }>(),
  },
  'chats.leave': { input: z.object({ chatId: id }).strict(), output: out<{ outboxId: number }>() },
  /** Leaves (if still a member) and forgets: the chat and its messages go from this device. */
  'chats.forget': {
    input: z.object({ chatId: id }).strict(),
    output: out<{ outboxId: number }>(),
  },
  'chats.invite': { input: memberAction, output: out<{ outboxId: number }>() },
  'chats.kick': { input: memberAction, output: out<{ outboxId: number }>() },
  'chats.ban': { input: memberAction, output: out<{ outboxId: number }>() },
  'chats.unban': { input: memberAction, output: out<{ outboxId: number }>() },
  /** Chats we are invited to (not yet joined). */
  'invites.list': {
    input: z.object({ accountId: id.optional() }).strict(),
    output: out<InviteView[]>(),
  },
  'invites.accept': {
    input: z.object({ chatId: id }).strict(),
    output: out<{ outboxId: number }>(),
  },
  'invites.decline': {
    input: z.object({ chatId: id }).strict(),
    output: out<{ outboxId: number }>(),
  },
  /** Ephemeral, not queued: tells the chat we type (true) or stopped (false). */
  'chats.typing': {
    input: z.object({ chatId: id, typing: z.boolean() }).strict(),
    output: out<{ sent: true }>(),
  },
  /** The chat's members (joined and invited first), for mentions and the member panel. */
  'chats.members': {
    input: z.object({ chatId: id }).strict(),
    output: out<MemberView[]>(),
  },
  /**
   * What the signed-in user may do in the chat (invite, kick, ban), where the
   * protocol's rules are known (Matrix power levels); null otherwise.
   */
  'chats.permissions': {
    input: z.object({ chatId: id }).strict(),
    output: out<ChatPermissions | null>(),
  },
  /** Who has read how far ("seen by"), from others' read receipts. */
  'chats.receipts': {
    input: z.object({ chatId: id }).strict(),
    output: out<ReceiptView[]>(),
  },
  /**
   * End-to-end encrypted messages whose key has not arrived (shown as
   * placeholders, decrypted when it comes): in one chat, or in all of them.
   */
  'chats.waitingForKeys': {
    input: z.object({ chatId: id.optional() }).strict(),
    output: out<{ count: number }>(),
  },
  /** Our own presence on an account. */
  'presence.set': {
    input: z
      .object({
        accountId: id,
        presence: z.enum(['online', 'unavailable', 'offline']),
        statusMsg: text(500).optional(),
      })
      .strict(),
    output: out<{ set: true }>(),
  },
  'spaces.list': {
    input: z.object({ accountId: id.optional() }).strict(),
    output: out<SpaceView[]>(),
  },
  /**
   * Joins a space by invite code or by its remote id (JMAP Chat: Space/join), at once
   * (not queued: a wrong code is answered now). The space and its chats arrive by sync.
   */
  'spaces.join': {
    input: z
      .object({
        accountId: id,
        inviteCode: text(512).min(1).optional(),
        spaceRemoteId: text(512).min(1).optional(),
      })
      .strict()
      .refine(
        (v) => (v.inviteCode === undefined) !== (v.spaceRemoteId === undefined),
        'give exactly one of inviteCode, spaceRemoteId',
      ),
    output: out<{ spaceRemoteId: string }>(),
  },
  // ---- End-to-end security: this device, sessions, trust, verification (Matrix) ----
  /** This device (id, fingerprint) and which cross-signing keys it holds. */
  'security.status': {
    input: z.object({ accountId: id }).strict(),
    output: out<SecurityStatus>(),
  },
  /**
   * Makes the account's cross-signing identity (or a new one, with `reset`)
   * and signs this device with it; the server asks for the password.
   */
  'security.bootstrapCrossSigning': {
    input: z
      .object({ accountId: id, password: secretText, reset: z.boolean().optional() })
      .strict(),
    output: out<SecurityStatus>(),
  },
  /** A user's devices with their trust; without userId our own sessions (with last seen). */
  'security.devices': {
    input: z.object({ accountId: id, userId: personRemoteId.optional() }).strict(),
    output: out<DeviceView[]>(),
  },
  /** Signs out one of our other sessions (deletes its device); the server asks for the password. */
  'security.signOutDevice': {
    input: z.object({ accountId: id, deviceId: text(255).min(1), password: secretText }).strict(),
    output: out<{ signedOut: true }>(),
  },
  /** Users' cross-signing trust, and whether a verified one's identity changed. */
  'security.userTrust': {
    input: z.object({ accountId: id, userIds: z.array(personRemoteId).min(1).max(100) }).strict(),
    output: out<UserTrustView[]>(),
  },
  /** After an identity-change warning: go on with the new identity (not verified). */
  'security.acceptIdentityChange': {
    input: z.object({ accountId: id, userId: personRemoteId }).strict(),
    output: out<{ accepted: true }>(),
  },
  /**
   * Asks to verify: a user's device (`deviceId`), all our other sessions (our
   * own user id, no device), or in a direct chat with the user (`chatId`).
   */
  'verification.request': {
    input: z
      .object({
        accountId: id,
        userId: personRemoteId,
        deviceId: text(255).min(1).optional(),
        chatId: id.optional(),
      })
      .strict()
      .refine(
        (v) => v.deviceId === undefined || v.chatId === undefined,
        'give at most one of deviceId, chatId',
      ),
    output: out<VerificationView>(),
  },
  /** The verifications going on (and recently ended) for one account or all. */
  'verification.list': {
    input: z.object({ accountId: id.optional() }).strict(),
    output: out<VerificationView[]>(),
  },
  /** Accepts their request (or the comparison they started). */
  'verification.accept': { input: verificationStep, output: out<VerificationView>() },
  /** The emoji match. */
  'verification.confirm': { input: verificationStep, output: out<VerificationView>() },
  /** The emoji do not match: cancelled as m.mismatched_sas, nobody is verified. */
  'verification.mismatch': { input: verificationStep, output: out<VerificationView>() },
  'verification.cancel': { input: verificationStep, output: out<VerificationView>() },
  // ---- Attachments (protocol-neutral) ----
  /** Sends a file or picture: the bytes go to the blob store, then through the outbox. */
  'messages.sendAttachment': {
    input: z
      .object({
        chatId: id,
        name: text(255).min(1),
        mime: text(255).min(1).optional(),
        /** The bytes, base64 (the desktop renderer over IPC) … */
        dataBase64: z.string().max(140_000_000).optional(),
        /** … or a blob already uploaded to the blob folder (web mode's POST /upload) … */
        blobSha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'a sha256 in lowercase hex')
          .optional(),
        /** … or a file on this machine: in-process callers only (LOCAL_ONLY_INPUTS). */
        path: text(4096).min(1).optional(),
        /** A caption; the file name when absent. */
        body: text(65_536).optional(),
        width: z.number().int().positive().optional(),
        height: z.number().int().positive().optional(),
        replyToMessageId: id.optional(),
      })
      .strict()
      .refine(
        (v) =>
          [v.dataBase64, v.blobSha256, v.path].filter((given) => given !== undefined).length === 1,
        'give exactly one of dataBase64, blobSha256, path',
      ),
    output: out<{ outboxId: number; messageId: number }>(),
  },
  /** Fetches an attachment's bytes into the blob store (once); any protocol that can. */
  'attachments.fetch': {
    input: z.object({ attachmentId: id }).strict(),
    output: out<{ sha256: string; size: number; mime: string }>(),
  },
  /** A server-made thumbnail into the blob store (not linked to the attachment). */
  'attachments.thumbnail': {
    input: z
      .object({
        attachmentId: id,
        width: z.number().int().min(1).max(2048),
        height: z.number().int().min(1).max(2048),
        method: z.enum(['scale', 'crop']).optional(),
      })
      .strict(),
    output: out<{ sha256: string; size: number; mime: string }>(),
  },
} as const;

export type ProcedureName = keyof typeof procedures;
export type ProcedureInput<P extends ProcedureName> = z.input<(typeof procedures)[P]['input']>;
export type ProcedureOutput<P extends ProcedureName> = z.output<(typeof procedures)[P]['output']>;

export const PROCEDURE_NAMES = Object.keys(procedures) as ProcedureName[];

export function isProcedureName(name: unknown): name is ProcedureName {
  return typeof name === 'string' && Object.hasOwn(procedures, name);
}

/**
 * Input fields that name files on the daemon's machine. Only an in-process
 * caller (the CLI, tests) may give them; the remote transports — web mode and
 * the renderer's IPC — refuse a call that does (remoteCallPolicy.ts), so a page
 * can never make the daemon read a file it chose.
 */
export const LOCAL_ONLY_INPUTS: Partial<Record<ProcedureName, readonly string[]>> = {
  'messages.sendAttachment': ['path'],
  'export.chats': ['to'],
};

/**
 * Deltas pushed to every subscriber. The daemon coalesces them once per turn
 * of its event loop (api/eventCoalescer.ts): however many batches and outbox
 * changes touched a chat in that turn, one `messages.upserted` carries the
 * current view of each changed message, one `messages.removed` the ids that
 * are gone, and one `chats.updated` every changed chat row. Message deltas
 * come only for chats some caller watches (`timeline.watch`). A subscriber
 * folds them in without reading back; after a reconnect it re-reads what it
 * shows (and watches again).
 */
export interface EventMap {
  /**
   * Messages new to the chat or changed (edits, deletions, reactions, delivery
   * state), newest first. `more`: more changed in that turn than one event
   * carries (api/eventCoalescer.ts); these are the newest, and a subscriber
   * re-reads what it shows rather than fold a change it only partly has.
   */
  'messages.upserted': { chatId: number; messages: MessageView[]; more?: true };
  /** Messages no longer stored (a local echo the server's copy replaced). */
  'messages.removed': { chatId: number; messageIds: number[] };
  'chats.updated': { chats: ChatSummary[] };
  /** `retryAt`: when the loop tries again (epoch ms) while it waits after a failure. */
  'account.status': {
    accountId: number;
    status: AccountStatus;
    detail: string | null;
    retryAt: number | null;
  };
  /**
   * How far an account's initial sync or backfill has come: on each phase
   * change, when a connector's chat count changes, and at most every 250 ms as
   * batches land (the last of a turn per account).
   */
  'sync.progress': SyncProgress;
  'outbox.updated': { item: OutboxItem };
  /** A new message someone else wrote; the shell decides whether to show it. */
  notify: {
    chatId: number;
    messageId: number;
    chatName: string;
    senderName: string;
    preview: string;
    mentionsMe: boolean;
    notifyLevel: 'all' | 'mentions' | 'none';
    muted: boolean;
  };
  /**
   * Read receipts in a chat moved (as they arrive with sync: Matrix m.receipt):
   * everyone's current position there, as chats.receipts says it. Only for
   * chats a window shows (timeline.watch).
   */
  'receipts.updated': { chatId: number; receipts: ReceiptView[] };
  /** Who types in a chat now (replaces the previous list; empty when nobody does). */
  typing: { chatId: number; personRemoteIds: string[]; names: string[] };
  /** A verification changed (requested, emoji to compare, done, cancelled…). */
  'verification.updated': VerificationView;
  /** A user we verified shows a new identity: warn before trusting their messages. */
  'security.identityChanged': { accountId: number; userId: string; masterKey: string | null };
  presence: {
    accountId: number;
    personRemoteId: string;
    name: string;
    presence: 'online' | 'unavailable' | 'offline';
    statusMsg: string | null;
    lastActiveAgoMs: number | null;
    currentlyActive: boolean | null;
  };
}
export type EventName = keyof EventMap;
export type DaemonEvent = { [K in EventName]: { name: K; payload: EventMap[K] } }[EventName];

/** The client every caller gets, whatever the transport. */
export interface ParleyClient {
  call<P extends ProcedureName>(name: P, input: ProcedureInput<P>): Promise<ProcedureOutput<P>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}
