// Timeline events → messages, edits, deletions and reactions: content and
// attachments, replies and threads, mentions and push rules, and the spec's
// rules for replacements (edits).
import type {
  MessageKind,
  RemoteAttachment,
  RemoteEdit,
  RemoteMessage,
  SyncBatch,
} from '../../../model/types.js';
import type { RoomEvent } from '../wire.js';
import { evaluatePush, type PushContext } from '../pushRules.js';
import { num, obj, str, type Json, type MappingContext, type NameOf } from './common.js';
import type { RoomInfo } from './rooms.js';
import { describeState } from './systemText.js';
import { encryptedSourceOf } from '../encryptedMedia.js';

const MSGTYPES: Record<string, MessageKind> = {
  'm.text': 'text',
  'm.notice': 'notice',
  'm.emote': 'emote',
  'm.image': 'image',
  'm.file': 'file',
  'm.audio': 'audio',
  'm.video': 'video',
  'm.location': 'location',
};

interface MessageContent {
  kind: MessageKind;
  body: string;
  html: string | null;
  attachments: RemoteAttachment[];
}

export function messageContent(content: Json, sticker = false): MessageContent {
  const msgtype = str(content.msgtype);
  const kind: MessageKind = sticker ? 'image' : (msgtype && MSGTYPES[msgtype]) || 'text';
  const body = str(content.body) ?? '';
  const html = content.format === 'org.matrix.custom.html' ? str(content.formatted_body) : null;
  const attachments: RemoteAttachment[] = [];
  const url = str(content.url) ?? str(obj(content.file)?.url);
  if (url && (kind === 'image' || kind === 'file' || kind === 'audio' || kind === 'video')) {
    const info = obj(content.info) ?? {};
    attachments.push({
      remoteId: url,
      name: str(content.filename) ?? (body || 'attachment'),
      mime: str(info.mimetype) ?? 'application/octet-stream',
      size: num(info.size),
      width: num(info.w),
      height: num(info.h),
      source: encryptedSourceOf(content),
    });
  }
  return { kind, body, html, attachments };
}

/** Drops the "> <@ann> quoted text" fallback some clients put before a reply. */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('> ')) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i < lines.length && lines[i] === '') return lines.slice(i + 1).join('\n');
  return body;
}

function mentions(
  content: Json,
  body: string,
  ctx: MappingContext,
): { self: boolean; ids: string[] } {
  const m = obj(content['m.mentions']);
  if (m) {
    const ids = Array.isArray(m.user_ids)
      ? m.user_ids.filter((x): x is string => typeof x === 'string')
      : [];
    return { self: ids.includes(ctx.selfId) || m.room === true, ids };
  }
  const lower = body.toLowerCase();
  const byId = lower.includes(ctx.selfId.toLowerCase());
  const name = ctx.selfName?.trim().toLowerCase();
  const byName = !!name && name.length > 1 && containsWord(lower, name);
  return { self: byId || byName, ids: [] };
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/**
 * Whether `word` occurs in `text` with no letter or digit right before or
 * after it. No RegExp built from the name: the server gives it, and one of
 * megabytes is a pattern V8 refuses (a SyntaxError that ended the sync).
 */
function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const end = at + word.length;
    const before = at === 0 ? '' : codePointBefore(text, at);
    const after = end >= text.length ? '' : String.fromCodePoint(text.codePointAt(end)!);
    if (!LETTER_OR_DIGIT.test(before) && !LETTER_OR_DIGIT.test(after)) return true;
  }
  return false;
}

function codePointBefore(text: string, i: number): string {
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(i - 2, i);
  }
  return text[i - 1]!;
}

// ---- one room's events → batch parts ----

export interface RoomEventsResult {
  messages: RemoteMessage[];
  edits: NonNullable<SyncBatch['edits']>;
  deletions: NonNullable<SyncBatch['deletions']>;
  reactionsAdded: NonNullable<SyncBatch['reactionsAdded']>;
  reactionsRemoved: NonNullable<SyncBatch['reactionsRemoved']>;
  hasCreate: boolean;
}

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker', 'm.room.encrypted']);

/** Maps timeline (or /messages) events of one room, in chronological order. */
export function mapRoomEvents(
  roomId: string,
  events: RoomEvent[],
  ctx: MappingContext,
  nameOf: NameOf,
  room?: RoomInfo | null,
): RoomEventsResult {
  const edits = new Set<string>();
  const out: RoomEventsResult = {
    messages: [],
    edits: [],
    deletions: [],
    reactionsAdded: [],
    reactionsRemoved: [],
    hasCreate: false,
  };
  for (const e of events) {
    if (e.type === 'm.room.create' && e.state_key === '') out.hasCreate = true;
    const redacted = e.unsigned?.redacted_because !== undefined;
    if (e.type === 'm.room.redaction') {
      const target = e.redacts ?? str(e.content.redacts);
      if (!target) continue;
      const reaction = ctx.reactions.get(target);
      if (reaction) {
        out.reactionsRemoved.push({
          messageRemoteId: reaction.target,
          senderRemoteId: reaction.sender,
          key: reaction.key,
          remoteId: target,
        });
        ctx.reactions.delete(target);
      }
      out.deletions.push({ messageRemoteId: target });
      continue;
    }
    if (e.type === 'm.reaction') {
      const rel = obj(e.content['m.relates_to']);
      const target = str(rel?.event_id);
      const key = str(rel?.key);
      if (redacted || rel?.rel_type !== 'm.annotation' || !target || !key) continue;
      ctx.reactions.set(e.event_id, { roomId, target, sender: e.sender, key });
      out.reactionsAdded.push({
        messageRemoteId: target,
        senderRemoteId: e.sender,
        key,
        ts: e.origin_server_ts,
        remoteId: e.event_id,
      });
      continue;
    }
    if (e.state_key !== undefined) {
      if (redacted) continue;
      const body = describeState(e, nameOf);
      if (body)
        out.messages.push({
          remoteId: e.event_id,
          chatRemoteId: roomId,
          senderRemoteId: e.sender,
          ts: e.origin_server_ts,
          kind: 'system',
          body,
          // Never equal to a message event type: no edit applies to a state event.
          editScope: `state:${e.type}`,
          notify: false,
        });
      continue;
    }
    if (!MESSAGE_TYPES.has(e.type)) continue;
    const rel = obj(e.content['m.relates_to']);
    if (rel?.rel_type === 'm.replace' && str(rel.event_id)) {
      // A replacement is never a message of its own, even when redacted; and
      // an edit of an edit is ignored (spec: the original must not be one).
      edits.add(e.event_id);
      const edit = redacted || edits.has(str(rel.event_id)!) ? null : editOf(e);
      if (edit) out.edits.push({ ...edit, messageRemoteId: str(rel.event_id)! });
      continue;
    }
    out.messages.push(mapMessage(roomId, e, ctx, room));
    // The server bundles the latest edit with the original (history, backfill).
    const bundled = obj(e.unsigned?.['m.relations']?.['m.replace']);
    if (bundled && !redacted) {
      const r = bundledEvent(bundled);
      const edit = r && editOf(r);
      if (edit) out.edits.push({ ...edit, messageRemoteId: e.event_id });
    }
  }
  return out;
}

/**
 * Spec (event replacements): a replacement applies only when its sender and
 * event type are the original's. The store checks both against the original
 * (which may arrive later), through `senderRemoteId` and the scope, which is
 * the event type; every message carries its type as `editScope`.
 */
function editOf(e: RoomEvent): RemoteEdit | null {
  const n = obj(e.content['m.new_content']);
  if (!n || e.state_key !== undefined) return null;
  const c = messageContent(n);
  return {
    messageRemoteId: '',
    body: c.body,
    html: c.html,
    editedTs: e.origin_server_ts,
    senderRemoteId: e.sender,
    scope: e.type,
    remoteId: e.event_id || null,
  };
}

function pushContext(roomId: string, room: RoomInfo, ctx: MappingContext): PushContext {
  const power = room.power;
  return {
    selfId: ctx.selfId,
    selfDisplayName: room.names[ctx.selfId] ?? ctx.selfName,
    roomId,
    memberCount: room.joined,
    powerOf: (u) => power?.users[u] ?? power?.usersDefault ?? 0,
    // Spec default: @room needs power 50.
    notificationLevel: (key) => power?.notifications[key] ?? 50,
  };
}

function bundledEvent(v: Json): RoomEvent | null {
  const content = obj(v.content);
  const ts = num(v.origin_server_ts);
  if (!content || ts === null) return null;
  return {
    type: str(v.type) ?? 'm.room.message',
    event_id: str(v.event_id) ?? '',
    sender: str(v.sender) ?? '',
    origin_server_ts: ts,
    content,
  };
}

export function mapMessage(
  roomId: string,
  e: RoomEvent,
  ctx: MappingContext,
  room?: RoomInfo | null,
): RemoteMessage {
  // Each shape written out rather than spread from a common part: this runs
  // for every event of a sync, and an object spread there cost more than the
  // rest of the mapping (measured in bench:matrix's profiled run).
  const idempotencyKey = e.unsigned?.transaction_id ?? null;
  if (e.unsigned?.redacted_because !== undefined)
    return {
      remoteId: e.event_id,
      chatRemoteId: roomId,
      senderRemoteId: e.sender,
      ts: e.origin_server_ts,
      idempotencyKey,
      editScope: e.type,
      kind: 'text',
      body: '',
      deleted: true,
    };
  if (e.type === 'm.room.encrypted')
    return {
      remoteId: e.event_id,
      chatRemoteId: roomId,
      senderRemoteId: e.sender,
      ts: e.origin_server_ts,
      idempotencyKey,
      editScope: e.type,
      kind: 'encrypted',
      body: 'Encrypted message',
      raw: e,
    };
  const c = messageContent(e.content, e.type === 'm.sticker');
  const rel = obj(e.content['m.relates_to']);
  const replyTo = str(obj(rel?.['m.in_reply_to'])?.event_id);
  const thread = rel?.rel_type === 'm.thread' ? str(rel.event_id) : null;
  const fallingBack = rel?.is_falling_back === true;
  const body = replyTo && !thread ? stripReplyFallback(c.body) : c.body;
  const m = mentions(e.content, body, ctx);
  const fromOther = e.sender !== ctx.selfId;
  // The account's push rules decide, when we have them; else mentions alone
  // highlight. The rules see the room id through the context (not a copy of
  // the event with room_id added).
  const push =
    ctx.pushRules && room ? evaluatePush(ctx.pushRules, e, pushContext(roomId, room, ctx)) : null;
  return {
    remoteId: e.event_id,
    chatRemoteId: roomId,
    senderRemoteId: e.sender,
    ts: e.origin_server_ts,
    idempotencyKey,
    editScope: e.type,
    kind: c.kind,
    body,
    html: c.html,
    replyToRemoteId: replyTo && !(thread && fallingBack) ? replyTo : null,
    threadRootRemoteId: thread,
    mentionsSelf: fromOther && (push ? push.highlight : m.self),
    notify: push ? fromOther && push.notify : null,
    mentionRemoteIds: m.ids,
    attachments: c.attachments,
    raw: e,
  };
}
