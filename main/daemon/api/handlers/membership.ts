// Chat membership, invites, typing, receipts, presence and spaces.
import type { InviteView, ReceiptView, SpaceView } from '../contract.js';
import { ApiError } from '../contract.js';
import type { OutboxOp } from '../../store/outbox.js';
import type { Connector, ConnectorContext, MemberAuthority } from '../../connectors/connector.js';
import { readState } from '../../connectors/context.js';
import type { ChatSummary } from '../../model/types.js';
import { AuthError, PermanentError } from '../../connectors/errors.js';
import type { HandlerContext, Handlers } from './context.js';
import { chatIdByRemote } from '../../store/chats.js';
import { openInvites } from '../../store/invites.js';
import { chatReceipts } from '../../store/receipts.js';
import { accountSelfRemoteId, chatMembers } from '../../store/people.js';
import { listSpaces } from '../../store/spaces.js';

export function membershipHandlers(ctx: HandlerContext) {
  const {
    store,
    connectors,
    chatOrThrow,
    accountOrThrow,
    connectorFor,
    capableOrThrow,
    contextFor,
    enqueue,
  } = ctx;
  const membershipOp = (chatId: number, op: (chatRemoteId: string) => OutboxOp) => {
    const chat = chatOrThrow(chatId);
    const account = accountOrThrow(chat.accountId);
    capableOrThrow(account, (c) => c.membership === true, 'manage chat membership');
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
  /** Roles and the user's powers in the chat, from its connector kind's reading of the synced state. */
  const authorityIn = async (chat: ChatSummary): Promise<MemberAuthority | null> => {
    const account = store.accounts.get(chat.accountId);
    // A connector whose code cannot load shows members without roles.
    const read = account && (await connectors.memberAuthority(account.protocol).catch(() => null));
    if (!account || !read) return null;
    const self = accountSelfRemoteId(store.readDb, account.id);
    if (!self) return null;
    return read(
      (key, schema) => readState(store.writer.cursor(account.id, key), schema),
      chat.remoteId,
      self,
    );
  };
  return {
    'chats.create': ({ accountId, name, topic, invite, direct, public: isPublic }) => {
      const account = accountOrThrow(accountId);
      capableOrThrow(account, (c) => c.membership === true, 'create chats');
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
      capableOrThrow(account, (c) => c.membership === true, 'join chats');
      const known = chatIdByRemote(store.readDb, accountId, target);
      return {
        outboxId: enqueue(accountId, known ?? null, { op: 'chatJoin', chatRemoteId: target }).id,
      };
    },
    'chats.leave': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatLeave', chatRemoteId })),
    'chats.forget': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      capableOrThrow(account, (c) => c.membership === true, 'forget chats');
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
      const invites = openInvites(store.readDb, accountId ?? null);
      const chats = new Map(
        store.read.chatsById(invites.map((i) => i.chatId)).map((c) => [c.id, c]),
      );
      const out: InviteView[] = [];
      for (const { chatId, inviterRemoteId, inviterName } of invites) {
        const chat = chats.get(chatId);
        if (chat) out.push({ chat, inviterRemoteId, inviterName });
      }
      return out;
    },
    'invites.accept': ({ chatId }) =>
      membershipOp(chatId, (chatRemoteId) => ({ op: 'chatJoin', chatRemoteId })),
    'invites.decline': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      capableOrThrow(account, (c) => c.membership === true, 'decline invitations');
      // No chat on the entry: a declined invitation's chat goes (with its rows) once synced.
      const entry = enqueue(chat.accountId, null, { op: 'chatLeave', chatRemoteId: chat.remoteId });
      return { outboxId: entry.id };
    },
    'chats.typing': async ({ chatId, typing }) => {
      const chat = chatOrThrow(chatId);
      const account = accountOrThrow(chat.accountId);
      const connector = await connectorFor(
        account,
        (c) => c.capabilities.typing && typeof c.setTyping === 'function',
        'send typing notifications',
      );
      await connector.setTyping!(await contextFor(account), chat.remoteId, typing);
      return { sent: true as const };
    },
    'chats.members': async ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      const authority = await authorityIn(chat);
      const members = chatMembers(store.readDb, chatId);
      if (!authority) return members;
      return members.map((m) => {
        const present = m.membership === 'join' || m.membership === 'invite';
        return {
          ...m,
          role: authority.roleOf(m.personRemoteId) ?? m.role,
          mayKick: present && !m.isSelf && authority.mayKick(m.personRemoteId),
          mayBan: !m.isSelf && m.membership !== 'ban' && authority.mayBan(m.personRemoteId),
        };
      });
    },
    'chats.permissions': async ({ chatId }) =>
      (await authorityIn(chatOrThrow(chatId)))?.may ?? null,
    'chats.receipts': ({ chatId }) => {
      const chat = chatOrThrow(chatId);
      return chatReceipts(store.readDb, chatId, chat.accountId) satisfies ReceiptView[];
    },
    'presence.set': async ({ accountId, presence, statusMsg }) => {
      const account = accountOrThrow(accountId);
      const connector = await connectorFor(
        account,
        (c) => c.capabilities.presence === true && typeof c.setPresence === 'function',
        'set presence',
      );
      await connector.setPresence!(await contextFor(account), presence, statusMsg ?? null);
      return { set: true as const };
    },
    'spaces.list': ({ accountId }) =>
      listSpaces(store.readDb, accountId ?? null) satisfies SpaceView[],
    'spaces.join': async ({ accountId, inviteCode, spaceRemoteId }) => {
      const account = accountOrThrow(accountId);
      const connector = (await connectorFor(
        account,
        (c) => typeof (c as Partial<SpaceJoiner>).joinSpace === 'function',
        'join spaces',
      )) as Connector & SpaceJoiner;
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
