// Chat membership, invites, typing, receipts, presence and spaces.
import type { InviteView, ReceiptView, SpaceView } from '../contract.js';
import { ApiError } from '../contract.js';
import type { OutboxOp } from '../../store/outbox.js';
import type { Connector, ConnectorContext } from '../../connectors/connector.js';
import { AuthError, PermanentError } from '../../connectors/errors.js';
import type { HandlerContext, Handlers } from './context.js';

export function membershipHandlers(ctx: HandlerContext) {
  const { store, chatOrThrow, accountOrThrow, connectorFor, contextFor, enqueue } = ctx;
  const membershipOp = (chatId: number, op: (chatRemoteId: string) => OutboxOp) => {
    const chat = chatOrThrow(chatId);
    const account = accountOrThrow(chat.accountId);
    connectorFor(account, (c) => c.capabilities.membership === true, 'manage chat membership');
    return { outboxId: enqueue(chat.accountId, chatId, op(chat.remoteId)).id };
  };
  const memberAction =
    (action: 'invite' | 'kick' | 'ban' | 'unban') =>
    ({
      chatId,
      personRemoteId,
      reason,
    }: {
      chatId: number;
      personRemoteId: string;
      reason?: string;
    }) =>
      membershipOp(chatId, (chatRemoteId) => ({
        op: 'chatMember',
        chatRemoteId,
        action,
        personRemoteId,
        reason: reason ?? null,
      }));
  return {
    'chats.create': ({ accountId, name, topic, invite, direct, public: isPublic }) => {
      const account = accountOrThrow(accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'create chats');
      const entry = enqueue(accountId, null, {
        op: 'chatCreate',
        chatRemoteId: null,
        name: name ?? null,
        topic: topic ?? null,
        invite: invite ?? [],
        direct: direct ?? false,
        visibility: isPublic ? 'public' : 'private',
      });
      return { outboxId: entry.id };
    },
    'chats.join': ({ accountId, target }) => {
      const account = accountOrThrow(accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'join chats');
      const known = store.db
        .prepare(`SELECT id FROM chats WHERE account_id = ? AND remote_id = ?`)
        .pluck()
        .get(accountId, target) as number | undefined;
      return {
        outboxId: enqueue(accountId, known ?? null, { op: 'chatJoin', chatRemoteId: target }).id,
      };
    },
    'chats.leave': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatLeave', chatRemoteId })),
    'chats.forget': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'forget chats');
      // Gone from this device at once; the entry has no chat (it would go with the chat's rows).
      store.writer.apply(chat.accountId, { removedChats: [chat.remoteId] });
      const entry = enqueue(chat.accountId, null, {
        op: 'chatLeave',
        chatRemoteId: chat.remoteId,
        forget: true,
      });
      return { outboxId: entry.id };
    },
    'chats.invite': memberAction('invite'),
    'chats.kick': memberAction('kick'),
    'chats.ban': memberAction('ban'),
    'chats.unban': memberAction('unban'),
    'invites.list': ({ accountId }) => {
      const rows = store.db
        .prepare(
          `SELECT c.id, c.raw_json FROM chat_members cm
           JOIN chats c ON c.id = cm.chat_id
           JOIN people p ON p.id = cm.person_id AND p.is_self = 1
           WHERE cm.membership = 'invite' AND (@accountId IS NULL OR c.account_id = @accountId)
           ORDER BY c.id`,
        )
        .all({ accountId: accountId ?? null }) as { id: number; raw_json: string | null }[];
      const chats = new Map(store.read.chatsById(rows.map((r) => r.id)).map((c) => [c.id, c]));
      const out: InviteView[] = [];
      for (const r of rows) {
        const chat = chats.get(r.id);
        if (!chat) continue;
        let inviter: string | null = null;
        try {
          const raw = r.raw_json ? (JSON.parse(r.raw_json) as { inviter?: unknown }) : null;
          inviter = typeof raw?.inviter === 'string' ? raw.inviter : null;
        } catch {
          // raw is the connector's; an unreadable one only loses the inviter
        }
        const inviterName = inviter
          ? ((store.db
              .prepare(`SELECT display_name FROM people WHERE account_id = ? AND remote_id = ?`)
              .pluck()
              .get(chat.accountId, inviter) as string | undefined) ?? inviter)
          : null;
        out.push({ chat, inviterRemoteId: inviter, inviterName });
      }
      return out;
    },
    'invites.accept': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatJoin', chatRemoteId })),
    'invites.decline': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      connectorFor(account, (c) => c.capabilities.membership === true, 'decline invitations');
      // No chat on the entry: a declined invitation's chat goes (with its rows) once synced.
      const entry = enqueue(chat.accountId, null, { op: 'chatLeave', chatRemoteId: chat.remoteId });
      return { outboxId: entry.id };
    },
    'chats.typing': async ({ chatId, typing }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      const connector = connectorFor(
        account,
        (c) => c.capabilities.typing && typeof c.setTyping === 'function',
        'send typing notifications',
      );
      await connector.setTyping!(await contextFor(account), chat.remoteId, typing);
      return { sent: true as const };
    },
    'chats.receipts': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      return (
        store.db
          .prepare(
            `SELECT r.person_remote_id, coalesce(p.display_name, r.person_remote_id) AS name,
                    m.id AS message_id, r.message_remote_id, r.ts
             FROM receipts r
             LEFT JOIN people p ON p.account_id = @accountId AND p.remote_id = r.person_remote_id
             LEFT JOIN messages m ON m.account_id = @accountId AND m.remote_id = r.message_remote_id
             WHERE r.chat_id = @chatId AND coalesce(p.is_self, 0) = 0
             ORDER BY r.ts DESC`,
          )
          .all({ chatId, accountId: chat.accountId }) as {
          person_remote_id: string;
          name: string;
          message_id: number | null;
          message_remote_id: string;
          ts: number;
        }[]
      ).map((r): ReceiptView => ({
        personRemoteId: r.person_remote_id,
        name: r.name,
        messageId: r.message_id,
        messageRemoteId: r.message_remote_id,
        ts: r.ts,
      }));
    },
    'presence.set': async ({ accountId, presence, statusMsg }) => {
      const account = accountOrThrow(accountId);
      const connector = connectorFor(
        account,
        (c) => c.capabilities.presence === true && typeof c.setPresence === 'function',
        'set presence',
      );
      await connector.setPresence!(await contextFor(account), presence, statusMsg ?? null);
      return { set: true as const };
    },
    'spaces.list': ({ accountId }) => {
      const spaces = store.db
        .prepare(
          `SELECT s.id, s.account_id, s.remote_id, s.name, s.kind, ps.id AS parent_id
           FROM spaces s
           LEFT JOIN spaces ps ON ps.account_id = s.account_id AND ps.remote_id = s.parent_remote_id
           WHERE @accountId IS NULL OR s.account_id = @accountId ORDER BY s.id`,
        )
        .all({ accountId: accountId ?? null }) as {
        id: number;
        account_id: number;
        remote_id: string;
        name: string;
        kind: string;
        parent_id: number | null;
      }[];
      const children = store.db
        .prepare(
          `SELECT s.id AS space_id, c.id AS chat_id FROM chats c
           JOIN spaces s ON s.account_id = c.account_id AND s.remote_id = c.space_remote_id
           WHERE @accountId IS NULL OR c.account_id = @accountId ORDER BY c.id`,
        )
        .all({ accountId: accountId ?? null }) as { space_id: number; chat_id: number }[];
      return spaces.map((r): SpaceView => ({
        id: r.id,
        accountId: r.account_id,
        remoteId: r.remote_id,
        name: r.name,
        kind: r.kind,
        parentId: r.parent_id,
        chatIds: children.filter((c) => c.space_id === r.id).map((c) => c.chat_id),
      }));
    },
    'spaces.join': async ({ accountId, inviteCode, spaceRemoteId }) => {
      const account = accountOrThrow(accountId);
      const connector = connectorFor(
        account,
        (c) => typeof (c as Partial<SpaceJoiner>).joinSpace === 'function',
        'join spaces',
      ) as Connector & SpaceJoiner;
      try {
        return await connector.joinSpace(await contextFor(account), { inviteCode, spaceRemoteId });
      } catch (err) {
        // The server said no (unknown or used-up code, banned, not public): the user's to see.
        if (err instanceof PermanentError) throw new ApiError('conflict', err.message);
        if (err instanceof AuthError) throw new ApiError('auth_failed', err.message);
        throw err;
      }
    },
  } satisfies Partial<Handlers>;
}

/** A connector that can join a space (JMAP Chat); optional, so not in the Connector interface yet. */
interface SpaceJoiner {
  joinSpace(
    ctx: ConnectorContext,
    target: { inviteCode?: string; spaceRemoteId?: string },
  ): Promise<{ spaceRemoteId: string }>;
}
