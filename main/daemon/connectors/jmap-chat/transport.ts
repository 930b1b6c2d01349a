// The JMAP Chat account session over the shared JMAP core: a JmapClient with
// HTTP Basic (the keychain keeps the password), the chat account, our own
// contact id and what the account advertises (threads, blob conversion, quota).
import { basicAuth, JmapClient, type JmapClientOptions } from '../jmap/client.js';
import { ProtocolError } from '../errors.js';
import {
  BLOB,
  BLOB2,
  CHAT,
  CHAT_WEBSOCKET,
  ChatAccountCapabilitySchema,
  QUOTA,
  type ChatAccountCapability,
} from './wire.js';

export interface ChatSession {
  readonly client: JmapClient;
  readonly accountId: string;
  readonly authorization: string;
  /** Our own ChatContact id (the session's ownerUserId, else the account id). */
  readonly selfId: string;
  readonly selfName: string;
  readonly caps: ChatAccountCapability;
  readonly canConvert: boolean;
  /** Typing and presence events over the WebSocket (draft-atwood-jmap-chat-wss). */
  readonly chatWebSocket: boolean;
  readonly hasQuota: boolean;
  readonly blobCapability: string | null;
  /**
   * Contacts as of the last ChatContact sync: display names (direct chats are
   * named after them) and presence (a presence event may leave fields out).
   */
  contacts: Map<
    string,
    { name: string; login: string; presence?: string | null; statusText?: string | null }
  >;
  /**
   * Every contact read into `contacts` once in this session (ensureContacts);
   * null until then, or after a read that failed.
   */
  contactsLoaded: Promise<void> | null;
  /** ReadPosition id per chat id. */
  readPositions: Map<string, string>;
  /** Chat ids this session has delivered to the store. */
  knownChats: Set<string>;
  /** Message ids created by our sends → the outbox key (adopts the local echo). */
  sentKeys: Map<string, string>;
}

export interface ChatTransportOptions {
  fetch?: JmapClientOptions['fetch'];
}

export async function openChatSession(
  server: string,
  username: string,
  password: string,
  options: ChatTransportOptions,
  signal?: AbortSignal,
): Promise<ChatSession> {
  const authorization = basicAuth(username, password);
  const probe = await JmapClient.connect(
    { server, authorization, using: [CHAT], fetch: options.fetch },
    signal,
  );
  const session = probe.session;
  const blobCapability = session.hasCapability(BLOB2)
    ? BLOB2
    : session.hasCapability(BLOB)
      ? BLOB
      : null;
  const hasQuota = session.hasCapability(QUOTA);
  const using = [CHAT, ...(blobCapability ? [blobCapability] : []), ...(hasQuota ? [QUOTA] : [])];
  const client =
    using.length === 1
      ? probe
      : await JmapClient.connect({ server, authorization, using, fetch: options.fetch }, signal);
  const accountId = client.session.accountFor(CHAT);
  if (!accountId) throw new ProtocolError('the JMAP session has no chat account');
  const raw = client.session.raw as Record<string, unknown>;
  const caps = ChatAccountCapabilitySchema.parse(
    client.session.accountCapability(accountId, CHAT) ?? {},
  );
  const blob2 = client.session.accountCapability(accountId, BLOB2);
  return {
    client,
    accountId,
    authorization,
    selfId: typeof raw.ownerUserId === 'string' ? raw.ownerUserId : accountId,
    selfName:
      typeof raw.ownerLogin === 'string' ? raw.ownerLogin : client.session.username || username,
    caps,
    canConvert: blobCapability === BLOB2 && blob2 !== null,
    chatWebSocket: client.session.hasCapability(CHAT_WEBSOCKET),
    hasQuota,
    blobCapability,
    contacts: new Map(),
    contactsLoaded: null,
    readPositions: new Map(),
    knownChats: new Set(),
    sentKeys: new Map(),
  };
}
