// Chats: create (deduplicated by participants), list, read, title, settings,
// images, members (10 new at a time), leave, clear, delete, and both kinds of block.
import { bearer, type Ctx } from './context.js';
import {
  Abort,
  OK,
  intArray,
  intParam,
  json,
  obj,
  optBool,
  optStr,
  uuidParam,
  type Request,
  type Router,
} from './http.js';
import { mediaFromBody } from './media.js';
import {
  newRelation,
  newUuid,
  participantsKey,
  type Chat,
  type Relation,
  type User,
} from './store.js';
import { chatInfo, userInfo } from './wire.js';

const MAX_USERS_ADDED_AT_ONCE = 10;

export function chatRoutes(router: Router, ctx: Ctx): void {
  const { store, hub } = ctx;

  /** The chat and the caller's relation; a non-participant gets 404 (GET /chats/:id does). */
  const chatOf = (req: Request, user: User): { chat: Chat; rel: Relation } => {
    const chat = store.chats.get(uuidParam(req, 0));
    const rel = chat?.relations.get(user.id);
    if (!chat || !rel) throw new Abort(404);
    return { chat, rel };
  };
  /** Changing a chat needs a relation in which the caller was not blocked. */
  const unblockedChatOf = (req: Request, user: User) => {
    const chat = store.chats.get(uuidParam(req, 0));
    const rel = chat?.relations.get(user.id);
    if (!chat) throw new Abort(404);
    if (!rel || rel.userBlocked) throw new Abort(403);
    return { chat, rel };
  };

  const list = (req: Request) => {
    const { user } = bearer(ctx, req);
    const full = ['true', '1'].includes(req.query.get('full') ?? '');
    return [...store.chats.values()].flatMap((chat) => {
      const rel = chat.relations.get(user.id);
      return rel && !rel.isRemovedOnDevice ? [chatInfo(store, chat, rel, { full })] : [];
    });
  };
  router.on('GET', '/chats', list);

  router.on('POST', '/chats', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const title = optStr(body, 'title');
    const requested = intArray(body, 'participants');
    const isPersonalArg = optBool(body, 'isPersonal');
    // Unknown user ids are dropped, as a query for the participants' rows would.
    const others = [...new Set(requested)].filter((id) => id !== user.id && store.users.has(id));
    if (others.length === 0)
      throw new Abort(400, 'New chat should contain at least one participant.');
    const ids = [user.id, ...others];
    const isPersonal = isPersonalArg ?? ids.length === 2;
    if (isPersonal && ids.length > 2)
      throw new Abort(422, 'Personal chat can only contain two users.');
    const key = participantsKey(ids);
    const existing = [...store.chats.values()].find(
      (c) => c.participantsKey === key && c.isPersonal === isPersonal,
    );
    if (existing) return chatInfo(store, existing, existing.relations.get(user.id), { full: true });
    const chat: Chat = {
      id: newUuid(),
      title: isPersonal ? undefined : title,
      isPersonal,
      ownerId: user.id,
      participantsKey: key,
      relations: new Map(ids.map((id) => [id, newRelation(id)])),
      images: [],
    };
    store.chats.set(chat.id, chat);
    return chatInfo(store, chat, chat.relations.get(user.id), { full: true });
  });

  router.on('GET', '/chats/:', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = chatOf(req, user);
    return chatInfo(store, chat, rel, { full: true });
  });

  router.on('PUT', '/chats/:', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = unblockedChatOf(req, user);
    const title = optStr(json(req), 'title');
    if (chat.isPersonal) throw new Abort(400, "You can't update personal chat.");
    if (title !== undefined) chat.title = title;
    hub.send(hub.recipients(chat), 'chatUpdate', user.id, chatInfo(store, chat, undefined));
    return chatInfo(store, chat, rel);
  });

  router.on('PUT', '/chats/:/settings', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = chatOf(req, user);
    const body = json(req);
    const isMuted = optBool(body, 'isMuted');
    const isArchived = optBool(body, 'isArchived');
    const isRemovedOnDevice = optBool(body, 'isRemovedOnDevice');
    if (isMuted !== undefined) rel.isMuted = isMuted;
    if (isArchived !== undefined) rel.isArchived = isArchived;
    if (isRemovedOnDevice !== undefined) rel.isRemovedOnDevice = isRemovedOnDevice;
    return chatInfo(store, chat, rel);
  });

  router.on('POST', '/chats/:/images', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = chatOf(req, user);
    if (chat.ownerId !== user.id) throw new Abort(403);
    if (chat.isPersonal) throw new Abort(400);
    chat.images.push(mediaFromBody(obj(json(req), 'image'), { id: 'client', preview: [100, 100] }));
    hub.send(hub.recipients(chat), 'chatUpdate', user.id, chatInfo(store, chat, undefined));
    return chatInfo(store, chat, rel);
  });

  router.on('DELETE', '/chats/:/images/:', (req) => {
    const { user } = bearer(ctx, req);
    const { chat } = chatOf(req, user);
    const imageId = uuidParam(req, 1);
    if (chat.ownerId !== user.id) throw new Abort(403);
    const image = chat.images.find((i) => i.id === imageId);
    if (!image) throw new Abort(404, 'Media resource is missing.');
    chat.images = chat.images.filter((i) => i !== image);
    store.deleteMediaFiles(image);
    hub.send(hub.recipients(chat), 'chatUpdate', user.id, chatInfo(store, chat, undefined));
    return OK;
  });

  router.on('POST', '/chats/:/users', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = unblockedChatOf(req, user);
    const ids = intArray(json(req), 'users');
    if (chat.isPersonal) throw new Abort(400, "You can't add users to a personal chat.");
    // Users already related (including those who blocked the chat) are not added again.
    const added = [...new Set(ids)]
      .filter((id) => !chat.relations.has(id))
      .flatMap((id) => store.users.get(id) ?? []);
    if (added.length === 0) throw new Abort(400, 'No users to add found.');
    if (added.length > MAX_USERS_ADDED_AT_ONCE)
      throw new Abort(400, 'To many users to add at once.');
    for (const u of added) chat.relations.set(u.id, newRelation(u.id));
    chat.participantsKey = participantsKey(chat.relations.keys());
    hub.send(
      hub.recipients(chat),
      'addedUsers',
      user.id,
      chatInfo(store, chat, undefined, { addedUsers: added }),
    );
    return chatInfo(store, chat, rel, { addedUsers: added });
  });

  router.on('DELETE', '/chats/:/users', (req) => {
    const { user } = bearer(ctx, req);
    const { chat, rel } = unblockedChatOf(req, user);
    const ids = intArray(json(req), 'users');
    if (ids.length === 0) throw new Abort(400, 'No users to remove found.');
    if (chat.isPersonal) throw new Abort(400, "You can't alter users in a personal chat.");
    // Users who blocked the chat stay: their block must keep them from being re-added.
    const removed = [...new Set(ids)].flatMap((id) => {
      const r = chat.relations.get(id);
      const u = store.users.get(id);
      return r && u && !r.userBlocked && !r.chatBlocked ? [u] : [];
    });
    if (removed.length === 0)
      throw new Abort(422, 'Users provided are not participants of this chat.');
    for (const u of removed) chat.relations.delete(u.id);
    chat.participantsKey = participantsKey(chat.relations.keys());
    hub.send(
      hub.recipients(chat),
      'removedUsers',
      user.id,
      chatInfo(store, chat, undefined, { removedUsers: removed }),
    );
    return chatInfo(store, chat, rel, { removedUsers: removed });
  });

  router.on('DELETE', '/chats/:', (req) => {
    const { user } = bearer(ctx, req);
    const { chat } = chatOf(req, user);
    if (!chat.isPersonal && chat.ownerId !== user.id)
      throw new Abort(403, "You can't delete this chat.");
    const recipients = hub.recipients(chat);
    store.deleteChatMessages(chat);
    for (const r of chat.relations.values()) if (!r.chatBlocked) r.isRemovedOnDevice = true;
    hub.send(recipients, 'chatDeleted', user.id, null);
    return OK;
  });

  router.on('DELETE', '/chats/:/me', (req) => {
    const { user } = bearer(ctx, req);
    const { chat } = chatOf(req, user);
    if (chat.isPersonal) throw new Abort(400);
    chat.relations.delete(user.id);
    chat.participantsKey = participantsKey(chat.relations.keys());
    return OK;
  });

  router.on('DELETE', '/chats/:/messages', (req) => {
    const { user } = bearer(ctx, req);
    const { chat } = chatOf(req, user);
    if (!chat.isPersonal && chat.ownerId !== user.id)
      throw new Abort(403, "You can't clear this chat.");
    store.deleteChatMessages(chat);
    hub.send(hub.recipients(chat), 'chatCleared', user.id, null);
    return OK;
  });

  const blockChat = (value: boolean) => (req: Request) => {
    const { user } = bearer(ctx, req);
    chatOf(req, user).rel.chatBlocked = value;
    return OK;
  };
  router.on('PUT', '/chats/:/block', blockChat(true));
  router.on('PUT', '/chats/:/unblock', blockChat(false));

  const blockUser = (value: boolean) => (req: Request) => {
    const { user } = bearer(ctx, req);
    const { chat } = unblockedChatOf(req, user);
    const target = chat.relations.get(intParam(req, 1, 'User'));
    if (!target) throw new Abort(404);
    target.userBlocked = value;
    return OK;
  };
  router.on('PUT', '/chats/:/users/:/block', blockUser(true));
  router.on('PUT', '/chats/:/users/:/unblock', blockUser(false));

  router.on('GET', '/chats/:/users/blocked', (req) => {
    const { user } = bearer(ctx, req);
    const { chat } = chatOf(req, user);
    return [...chat.relations.values()]
      .filter((r) => r.userBlocked)
      .flatMap((r) => {
        const u = store.users.get(r.userId);
        return u ? [userInfo(u)] : [];
      });
  });
}
