// The one contract between Parley's daemon and every caller (renderer over IPC
// or web mode, CLI). Each procedure has a runtime schema for its input, checked
// before any handler runs, and a TypeScript type for its output. Events are
// deltas. The renderer imports this module for types and names only.
import { z } from 'zod';
import type {
  Account,
  AccountStatus,
  ChatSummary,
  MessageView,
  OutboxState,
  SearchHit,
  Workspace,
} from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';

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
}

export interface ChatMatch {
  chatId: number;
  accountId: number;
  name: string;
}

export interface DraftView {
  body: string;
  replyToMessageId: number | null;
  updatedAt: number;
}

const out = <T>() => z.custom<T>(() => true);
const mailAddress = z
  .object({ name: text(200).nullable().optional(), email: z.string().email().max(320) })
  .strict();

export const procedures = {
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
  'accounts.remove': {
    input: z.object({ accountId: id }).strict(),
    output: out<{ removed: boolean }>(),
  },
  'chats.list': {
    input: z
      .object({
        accountId: id.optional(),
        workspaceId: id.optional(),
        archived: z.boolean().optional(),
      })
      .strict(),
    output: out<ChatSummary[]>(),
  },
  'chats.setFlags': {
    input: z
      .object({
        chatId: id,
        muted: z.boolean().optional(),
        pinned: z.boolean().optional(),
        archived: z.boolean().optional(),
        notifyLevel: z.enum(['all', 'mentions', 'none']).optional(),
      })
      .strict(),
    output: out<ChatSummary>(),
  },
  'chats.markRead': {
    input: z.object({ chatId: id, messageId: id }).strict(),
    output: out<ChatSummary>(),
  },
  'messages.page': {
    input: z
      .object({
        chatId: id,
        beforeId: id.optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    output: out<MessageView[]>(),
  },
  'messages.send': {
    input: z
      .object({ chatId: id, body: text(65_536).min(1), replyToMessageId: id.optional() })
      .strict(),
    output: out<{ outboxId: number; messageId: number }>(),
  },
  'messages.edit': {
    input: z.object({ messageId: id, body: text(65_536).min(1) }).strict(),
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
    output: out<SearchHit[]>(),
  },
  'search.chats': {
    input: z
      .object({ query: text(200), limit: z.number().int().min(1).max(100).optional() })
      .strict(),
    output: out<ChatMatch[]>(),
  },
  // ---- Mail (jmap-mail) ----
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
  /** Fetches an attachment's bytes into the blob store (once; the same server blob is reused). */
  'mail.fetchAttachment': {
    input: z.object({ attachmentId: id }).strict(),
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

/** Deltas pushed to every subscriber. */
export interface EventMap {
  'messages.upserted': { chatId: number; messageIds: number[] };
  'chats.updated': { chats: ChatSummary[] };
  'account.status': { accountId: number; status: AccountStatus; detail: string | null };
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
}
export type EventName = keyof EventMap;
export type DaemonEvent = { [K in EventName]: { name: K; payload: EventMap[K] } }[EventName];

export type ApiErrorCode =
  | 'unknown_procedure'
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'not_implemented'
  | 'auth_failed'
  | 'keychain_unavailable'
  | 'unavailable'
  | 'internal';

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** For invalid_input: where and why, per field. */
  issues?: { path: string; message: string }[];
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

/** The client every caller gets, whatever the transport. */
export interface ParleyClient {
  call<P extends ProcedureName>(name: P, input: ProcedureInput<P>): Promise<ProcedureOutput<P>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toShape(): ApiErrorShape {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}
