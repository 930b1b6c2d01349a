// Messages: page (newest first), post (localId checked for length only and
// never deduplicated), edit, delete, read marks, and notify (auxiliary events).
import { bearer, type Ctx } from './context.js';
import {
  Abort,
  OK,
  bool,
  intParam,
  json,
  optBool,
  optObj,
  optStr,
  str,
  uuidParam,
  type Request,
  type Router,
} from './http.js';
import { mediaFromBody } from './media.js';
import { newUuid, type Chat, type Message, type User } from './store.js';
import { messageInfo } from './wire.js';

/** A UUID's length: the real server's only check on localId. */
const MIN_LOCAL_ID_LENGTH = 36;
const MAX_TEXT_CHARACTERS = 2048;
const DEFAULT_PAGE = 50;
const REALMS = ['webSocket', 'push', 'all'];

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Swift's String.count counts grapheme clusters, not bytes or UTF-16 units. */
const characterCount = (s: string): number => [...graphemes.segment(s)].length;

function checkText(text: string): void {
  const n = characterCount(text);
  if (n < 1 || n > MAX_TEXT_CHARACTERS)
    throw new Abort(400, 'Message text should be between 1 and 2048 characters long.');
}

export function messageRoutes(router: Router, ctx: Ctx): void {
  const { store, hub } = ctx;

  /** Posting and notifying need a relation that neither side of a block touches. */
  const postableChat = (req: Request, user: User): Chat => {
    const chat = store.chats.get(uuidParam(req, 0));
    if (!chat || hub.recipients(chat).length === 0) throw new Abort(404);
    const rel = chat.relations.get(user.id);
    if (!rel || rel.userBlocked || rel.chatBlocked)
      throw new Abort(403, "You can't post into this chat.");
    if (chat.isPersonal && [...chat.relations.values()].some((r) => r.chatBlocked))
      throw new Abort(403, 'This chat was blocked.');
    return chat;
  };

  /** The chat id in the path is not checked: the message id alone finds the message. */
  const messageOf = (req: Request): { message: Message; chat: Chat } => {
    const message = store.messages.get(intParam(req, 1, 'Message'));
    const chat = message ? store.chats.get(message.chatId) : undefined;
    if (!message || !chat) throw new Abort(404);
    return { message, chat };
  };

  const broadcastUpdate = (chat: Chat, actor: number, m: Message) =>
    hub.send(
      hub.recipients(chat),
      'messageUpdate',
      actor,
      messageInfo(store, m, { readMarks: true }),
    );

  router.on('GET', '/chats/:/messages', (req) => {
    const { user } = bearer(ctx, req);
    const chat = store.chats.get(uuidParam(req, 0));
    if (!chat) throw new Abort(404);
    const rel = chat.relations.get(user.id);
    if (!rel || rel.userBlocked) throw new Abort(403);
    const countArg = req.query.get('count');
    const beforeArg = req.query.get('before');
    if (countArg !== null && !/^\d+$/.test(countArg))
      throw new Abort(400, "Value of type 'Int' required for key 'count'.");
    if (beforeArg !== null && !/^\d+$/.test(beforeArg))
      throw new Abort(400, "Value of type 'Int' required for key 'before'.");
    const count = countArg === null ? DEFAULT_PAGE : Number(countArg);
    const before = beforeArg === null ? Infinity : Number(beforeArg);
    return store
      .chatMessages(chat.id)
      .filter((m) => m.id < before)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .slice(0, count)
      .map((m) => messageInfo(store, m));
  });

  router.on('POST', '/chats/:/messages', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const localId = optStr(body, 'localId');
    const text = optStr(body, 'text');
    const isVisible = optBool(body, 'isVisible') ?? true;
    const attachment = optObj(body, 'attachment');
    if (text === undefined && !attachment) throw new Abort(400, 'Message is empty.');
    const chat = postableChat(req, user);
    // Length only, and no dedup: a second post with the same localId is a second message.
    if (!localId || localId.length < MIN_LOCAL_ID_LENGTH)
      throw new Abort(400, 'Malformed message data.');
    const media = attachment
      ? mediaFromBody(attachment, { id: 'server', preview: [300, 200] })
      : undefined;
    if (text !== undefined) checkText(text);
    const now = new Date();
    const message: Message = {
      id: store.newMessageId(),
      localId,
      chatId: chat.id,
      authorId: user.id,
      text,
      createdAt: now,
      updatedAt: now,
      isVisible,
      readMarks: [],
      attachments: media ? [media] : [],
    };
    store.messages.set(message.id, message);
    chat.lastMessageId = message.id;
    const own = chat.relations.get(user.id)!;
    own.isArchived = false;
    own.isRemovedOnDevice = false;
    if (chat.isPersonal) for (const r of chat.relations.values()) r.isRemovedOnDevice = false;
    hub.send(hub.recipients(chat), 'message', user.id, messageInfo(store, message));
    return messageInfo(store, message);
  });

  router.on('PUT', '/chats/:/messages/:', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const text = optStr(body, 'text');
    const isVisible = optBool(body, 'isVisible');
    // Required keys: Swift's decoder treats `var x = false` as non-optional.
    bool(body, 'fileExists');
    bool(body, 'previewExists');
    const { message, chat } = messageOf(req);
    if (message.authorId !== user.id) throw new Abort(403);
    const rel = chat.relations.get(user.id);
    if (!rel || rel.userBlocked) throw new Abort(403);
    if (message.deletedAt) throw new Abort(400, "You can't edit deleted message.");
    const now = new Date();
    if (text !== undefined) {
      checkText(text);
      message.text = text;
      message.editedAt = now;
    }
    // Visibility can only be switched on (the server applies it to invisible messages only).
    if (isVisible !== undefined && !message.isVisible) message.isVisible = isVisible;
    message.updatedAt = now;
    broadcastUpdate(chat, user.id, message);
    return messageInfo(store, message, { readMarks: true });
  });

  router.on('DELETE', '/chats/:/messages/:', (req) => {
    const { user } = bearer(ctx, req);
    const { message, chat } = messageOf(req);
    // Blocked users may still delete their own messages.
    if (message.authorId !== user.id) throw new Abort(403);
    const now = new Date();
    message.text = '';
    message.editedAt = now;
    message.deletedAt = now;
    message.updatedAt = now;
    for (const a of message.attachments) {
      store.deleteMediaFiles(a);
      a.fileSize = 0;
    }
    broadcastUpdate(chat, user.id, message);
    return messageInfo(store, message, { readMarks: true });
  });

  router.on('PUT', '/chats/:/messages/:/read', (req) => {
    const { user } = bearer(ctx, req);
    const { message, chat } = messageOf(req);
    if (!chat.relations.has(user.id)) throw new Abort(403);
    if (message.readMarks.some((r) => r.userId === user.id)) return OK;
    // The event is built before the new mark is saved, so it carries the older marks only.
    const payload = messageInfo(store, message, { readMarks: true });
    message.readMarks.push({ id: newUuid(), userId: user.id, createdAt: new Date() });
    hub.send(hub.recipients(chat), 'messageUpdate', user.id, payload);
    return OK;
  });

  router.on('POST', '/chats/:/notify', (req) => {
    const { user } = bearer(ctx, req);
    const body = json(req);
    const name = str(body, 'name');
    const text = optStr(body, 'text');
    const realm = str(body, 'realm');
    const dataArg = optStr(body, 'data');
    if (!REALMS.includes(realm))
      throw new Abort(400, `Cannot initialize Realm from invalid String value ${realm}`);
    // `data` is Swift Data: base64 in JSON, which the server parses as a JSON object.
    let data: unknown;
    if (dataArg !== undefined) {
      try {
        data = JSON.parse(Buffer.from(dataArg, 'base64').toString('utf8'));
      } catch {
        throw new Abort(400, 'Notification data is not JSON.');
      }
    }
    const chat = postableChat(req, user);
    if (realm !== 'push')
      hub.send(hub.recipients(chat), 'auxiliary', user.id, { name, text, data });
    return OK;
  });
}
