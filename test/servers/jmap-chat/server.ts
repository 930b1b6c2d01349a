// The JMAP Chat reference server: RFC 8620 session, API, upload/download and
// EventSource; RFC 8887 WebSocket; the chat capability of
// draft-atwood-jmap-chat-00; RFC 9425 Quota; RFC 9404 Blob/lookup and an
// image Blob/convert. Standalone (imports nothing from main/), in memory.
// See README.md for what the draft leaves open and what this server chose.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  MethodError,
  SetErr,
  isObj,
  isUtcDate,
  stdChanges,
  stdGet,
  stdQuery,
  stdQueryChanges,
  stdSet,
  applyPatch,
  changedProps,
  type MethodCtx,
  type QuerySpec,
  type SetSpec,
} from './framework.js';
import {
  chatQuery,
  chatSet,
  chatTyping,
  contactQuery,
  contactSet,
  messageQuery,
  messageSet,
  presenceSet,
  readPositionSet,
  sha256,
  type ChatRules,
} from './chatMethods.js';
import {
  banSet,
  emojiQuery,
  emojiSet,
  inviteSet,
  simpleQuery,
  spaceJoin,
  spaceQuery,
  spaceSet,
} from './spaceMethods.js';
import { PushHub } from './push.js';
import { decodePng, encodePng, fitWithin, isPng, resize } from './png.js';
import { Store, ulid, type DataType, type Limits, type Obj, type User } from './store.js';
import { restrictedSpaceView, viewsOf } from './views.js';
import { closeHttp, listenOn } from '../loopback.js';

export const CAP = {
  core: 'urn:ietf:params:jmap:core',
  chat: 'urn:ietf:params:jmap:chat',
  chatPush: 'urn:ietf:params:jmap:chat:push',
  chatWebSocket: 'urn:ietf:params:jmap:chat:websocket',
  websocket: 'urn:ietf:params:jmap:websocket',
  blob: 'urn:ietf:params:jmap:blob',
  blob2: 'urn:ietf:params:jmap:blob2',
  quota: 'urn:ietf:params:jmap:quota',
} as const;

export interface JmapChatServerOptions {
  port?: number;
  host?: string;
  users?: { login: string; password: string; displayName?: string }[];
  /** Message flood limit per account (default 60 per 10 s). */
  messageRate?: { max: number; windowMs: number };
  typingIntervalMs?: number;
  supportsThreads?: boolean;
  /** Offer push over EventSource / WebSocket (both by default). */
  eventSource?: boolean;
  webSocket?: boolean;
  limits?: Partial<Limits>;
  log?: (line: string) => void;
}

const CORE_LIMITS = {
  maxSizeUpload: 20_000_000,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10_000_000,
  maxConcurrentRequests: 8,
  maxCallsInRequest: 32,
  maxObjectsInGet: 256,
  maxObjectsInSet: 128,
  collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
};

type Handler = (ctx: MethodCtx, args: Obj) => Obj;

export class JmapChatServer {
  readonly store: Store;
  readonly hub: PushHub;
  private readonly http = createServer((req, res) => void this.route(req, res));
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('jmap') ? 'jmap' : false),
  });
  private readonly rules: ChatRules;
  private readonly handlers = new Map<string, { capability: string[]; run: Handler }>();
  private readonly lastTyping = new Map<string, number>();
  private readonly log: (line: string) => void;
  url = '';
  port = 0;

  constructor(private readonly options: JmapChatServerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.store = new Store({
      maxGroupMembers: 50,
      maxBodyBytes: 64_000,
      maxAttachmentBytes: 10_000_000,
      maxAttachmentsPerMessage: 10,
      messageQuota: 100_000,
      storageQuota: 1_000_000_000,
      ...options.limits,
    });
    this.store.viewsOf = (u, t) => viewsOf(this.store, u, t);
    this.hub = new PushHub(this.store, this.log);
    this.store.onCommit = (changed) => this.hub.stateChanged(changed);
    this.rules = {
      supportedBodyTypes: ['text/plain', 'text/markdown', 'application/jmap-chat-rich'],
      supportsThreads: options.supportsThreads ?? true,
      messageRate: options.messageRate ?? { max: 60, windowMs: 10_000 },
      typingIntervalMs: options.typingIntervalMs ?? 3000,
      typing: (chat, sender, typing) => this.hub.typing(chat, sender, typing),
      presence: (u) => setImmediate(() => this.hub.presence(u)),
      messageCreated: (m) => setImmediate(() => this.hub.messageCreated(m)),
    };
    for (const u of options.users ?? []) this.store.addUser(u.login, u.password, u.displayName);
    this.registerMethods();
    this.http.on('upgrade', (req, socket, head) => {
      const user = this.authenticate(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== '/jmap/ws' || this.options.webSocket === false) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      if (!user) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="jmap"\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.webSocket(ws, user));
    });
  }

  /** Message flood limit, changeable while running (tests provoke rateLimited). */
  setMessageRate(rate: { max: number; windowMs: number }): void {
    this.rules.messageRate = rate;
  }

  addUser(login: string, password: string, displayName?: string): User {
    return this.store.addUser(login, password, displayName);
  }

  user(login: string): User {
    const u = [...this.store.users.values()].find((x) => x.login === login);
    if (!u) throw new Error(`no user ${login}`);
    return u;
  }

  /** Forgets the change history: older states answer cannotCalculateChanges. */
  expireChanges(login?: string): void {
    this.store.expireChanges(login ? this.user(login).id : undefined);
  }

  /** Closes every EventSource and WebSocket; returns how many there were. */
  dropPushConnections(): number {
    return this.hub.dropAll();
  }

  pushConnectionCount(): number {
    return this.hub.eventSources.size + this.hub.sockets.size;
  }

  async listen(): Promise<this> {
    ({ port: this.port, url: this.url } = await listenOn(
      this.http,
      this.options.port,
      this.options.host,
    ));
    return this;
  }

  async close(): Promise<void> {
    this.hub.dropAll();
    for (const ws of this.wss.clients) ws.terminate();
    await closeHttp(this.http);
  }

  // ------------------------------------------------------------ HTTP

  private authenticate(req: IncomingMessage): User | null {
    const header = req.headers.authorization ?? '';
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const login = decoded.slice(0, i);
      const password = decoded.slice(i + 1);
      const u = [...this.store.users.values()].find((x) => x.login === login);
      return u && u.password === password ? u : null;
    }
    if (scheme?.toLowerCase() === 'bearer' && value)
      return [...this.store.users.values()].find((x) => x.token === value) ?? null;
    // Browsers' EventSource cannot send headers: ?access_token= (the bearer token) works there.
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('access_token');
    if (token) return [...this.store.users.values()].find((x) => x.token === token) ?? null;
    return null;
  }

  private problem(
    res: ServerResponse,
    status: number,
    type: string,
    detail: string,
    extra: Obj = {},
  ) {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({ type: `urn:ietf:params:jmap:error:${type}`, status, detail, ...extra }),
    );
  }

  private json(res: ServerResponse, body: unknown, status = 200) {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage, max: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) return null;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.url || 'http://x');
      const path = url.pathname;
      const user = this.authenticate(req);
      if (!user) {
        res.writeHead(401, {
          'www-authenticate': 'Basic realm="jmap"',
          'content-type': 'text/plain',
        });
        res.end('authentication required');
        return;
      }
      if (req.method === 'GET' && (path === '/.well-known/jmap' || path === '/jmap/session'))
        return this.json(res, this.session(user));
      if (req.method === 'POST' && path === '/jmap/api/') return await this.api(req, res, user);
      const upload = /^\/jmap\/upload\/([^/]+)\/?$/.exec(path);
      if (req.method === 'POST' && upload)
        return await this.upload(req, res, user, decodeURIComponent(upload[1]!));
      const download = /^\/jmap\/download\/([^/]+)\/([^/]+)\/([^/]*)$/.exec(path);
      if (req.method === 'GET' && download)
        return this.download(
          res,
          user,
          decodeURIComponent(download[1]!),
          decodeURIComponent(download[2]!),
          decodeURIComponent(download[3]!),
          url.searchParams.get('accept'),
        );
      if (
        req.method === 'GET' &&
        path === '/jmap/eventsource/' &&
        this.options.eventSource !== false
      )
        return this.eventSource(req, res, user, url);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    } catch (err) {
      this.log(`request failed: ${(err as Error).stack}`);
      if (!res.headersSent) this.problem(res, 500, 'serverFail', (err as Error).message);
      else res.destroy();
    }
  }

  session(user: User): Obj {
    const base = this.url;
    const wsUrl = `${base.replace(/^http/, 'ws')}/jmap/ws`;
    const capabilities: Obj = {
      [CAP.core]: CORE_LIMITS,
      [CAP.chat]: {},
      [CAP.chatPush]: {},
      [CAP.blob]: {},
      [CAP.blob2]: {},
      [CAP.quota]: {},
    };
    if (this.options.webSocket !== false) {
      capabilities[CAP.websocket] = { url: wsUrl, supportsPush: true };
      capabilities[CAP.chatWebSocket] = {};
    }
    const limits = this.store.limits;
    return {
      capabilities,
      accounts: {
        [user.id]: {
          name: user.login,
          isPersonal: true,
          isReadOnly: false,
          accountCapabilities: {
            [CAP.chat]: {
              maxBodyBytes: limits.maxBodyBytes,
              maxAttachmentBytes: limits.maxAttachmentBytes,
              maxAttachmentsPerMessage: limits.maxAttachmentsPerMessage,
              supportedBodyTypes: this.rules.supportedBodyTypes,
              supportsThreads: this.rules.supportsThreads,
            },
            [CAP.chatPush]: { maxSnippetBytes: 200, supportedUrgencyValues: ['normal', 'high'] },
            [CAP.blob]: {
              maxSizeBlobSet: CORE_LIMITS.maxSizeUpload,
              maxDataSources: 1,
              supportedTypeNames: ['Message', 'CustomEmoji', 'Space', 'Chat'],
              supportedDigestAlgorithms: ['sha'],
            },
            [CAP.blob2]: { supportedConversions: { imageConvert: ['image/png'] } },
            [CAP.quota]: {},
          },
        },
      },
      primaryAccounts: {
        [CAP.chat]: user.id,
        [CAP.blob]: user.id,
        [CAP.blob2]: user.id,
        [CAP.quota]: user.id,
        [CAP.chatPush]: user.id,
      },
      username: user.login,
      apiUrl: `${base}/jmap/api/`,
      downloadUrl: `${base}/jmap/download/{accountId}/{blobId}/{name}?accept={type}`,
      uploadUrl: `${base}/jmap/upload/{accountId}/`,
      eventSourceUrl:
        this.options.eventSource === false
          ? undefined
          : `${base}/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}`,
      state: `s-${this.store.epoch}`,
      ownerUserId: user.id,
      ownerLogin: user.login,
    };
  }

  // ------------------------------------------------------------ API

  private async api(req: IncomingMessage, res: ServerResponse, user: User): Promise<void> {
    const raw = await this.body(req, CORE_LIMITS.maxSizeRequest);
    if (!raw)
      return this.problem(res, 400, 'limit', 'the request is too large', {
        limit: 'maxSizeRequest',
      });
    let request: unknown;
    try {
      request = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.problem(res, 400, 'notJSON', 'the request body is not JSON');
    }
    const out = this.handleRequest(request, user);
    if ('problem' in out)
      return this.problem(res, 400, out.problem.type, out.problem.detail, out.problem.extra);
    this.json(res, out.response);
  }

  /** One Request object (RFC 8620 §3.3) → a Response object, or a request-level problem. */
  handleRequest(
    request: unknown,
    user: User,
  ): { response: Obj } | { problem: { type: string; detail: string; extra?: Obj } } {
    if (!isObj(request) || !Array.isArray(request.using) || !Array.isArray(request.methodCalls))
      return { problem: { type: 'notRequest', detail: 'not a JMAP Request object' } };
    const known = new Set(Object.values(CAP) as string[]);
    const unknown = request.using.filter((u) => typeof u !== 'string' || !known.has(u));
    if (unknown.length)
      return {
        problem: { type: 'unknownCapability', detail: `unknown capability ${unknown.join(', ')}` },
      };
    if (request.methodCalls.length > CORE_LIMITS.maxCallsInRequest)
      return {
        problem: {
          type: 'limit',
          detail: 'too many method calls',
          extra: { limit: 'maxCallsInRequest' },
        },
      };
    const createdIds = new Map<string, string>(
      isObj(request.createdIds)
        ? Object.entries(request.createdIds).map(([k, v]) => [k, String(v)])
        : [],
    );
    const ctx: MethodCtx = {
      store: this.store,
      user,
      using: new Set(request.using as string[]),
      createdIds,
      limits: CORE_LIMITS,
    };
    const responses: [string, Obj, string][] = [];
    for (const call of request.methodCalls) {
      if (
        !Array.isArray(call) ||
        call.length !== 3 ||
        typeof call[0] !== 'string' ||
        !isObj(call[1]) ||
        typeof call[2] !== 'string'
      )
        return {
          problem: { type: 'notRequest', detail: 'a method call is not [name, arguments, id]' },
        };
      const [name, rawArgs, callId] = call as [string, Obj, string];
      try {
        const args = resolveResultReferences(rawArgs, responses);
        const handler = this.handlers.get(name);
        if (!handler || !handler.capability.some((c) => ctx.using.has(c)))
          throw new MethodError(
            'unknownMethod',
            `${name} is unknown or its capability is not in "using"`,
          );
        responses.push([name, handler.run(ctx, args), callId]);
      } catch (err) {
        if (err instanceof MethodError) responses.push(['error', err.toJSON(), callId]);
        else if (err instanceof SetErr) responses.push(['error', err.toJSON(), callId]);
        else {
          this.log(`${name} failed: ${(err as Error).stack}`);
          responses.push([
            'error',
            { type: 'serverFail', description: (err as Error).message },
            callId,
          ]);
        }
      }
    }
    const response: Obj = { methodResponses: responses, sessionState: `s-${this.store.epoch}` };
    if (isObj(request.createdIds) || createdIds.size)
      response.createdIds = Object.fromEntries(createdIds);
    return { response };
  }

  private registerMethods(): void {
    const chat = [CAP.chat];
    const reg = (name: string, capability: string[], run: Handler) =>
      this.handlers.set(name, { capability, run });
    const views = (ctx: MethodCtx, type: DataType) => viewsOf(this.store, ctx.user.id, type);
    const standard = (
      type: DataType,
      capability: string[],
      set: ((ctx: MethodCtx) => SetSpec) | null,
      query: ((ctx: MethodCtx) => QuerySpec) | null,
      extraGet?: (ctx: MethodCtx, id: string) => Obj | null,
    ) => {
      reg(`${type}/get`, capability, (ctx, a) =>
        stdGet(ctx, type, a, views(ctx, type), extraGet && ((id) => extraGet(ctx, id))),
      );
      reg(`${type}/changes`, capability, (ctx, a) => stdChanges(ctx, type, a));
      reg(`${type}/set`, capability, (ctx, a) =>
        stdSet(ctx, type, a, set ? set(ctx) : { commitTypes: [] }, () => views(ctx, type)),
      );
      if (query) {
        reg(`${type}/query`, capability, (ctx, a) =>
          stdQuery(ctx, type, a, views(ctx, type), query(ctx)),
        );
        reg(`${type}/queryChanges`, capability, (ctx, a) =>
          stdQueryChanges(ctx, type, a, views(ctx, type), query(ctx)),
        );
      }
    };
    standard(
      'Chat',
      chat,
      (ctx) => chatSet(ctx, this.rules),
      () => chatQuery,
    );
    standard(
      'Message',
      chat,
      (ctx) => messageSet(ctx, this.rules),
      (ctx) => messageQuery(ctx, this.rules),
    );
    standard(
      'ChatContact',
      chat,
      (ctx) => contactSet(ctx),
      () => contactQuery,
    );
    standard(
      'ReadPosition',
      chat,
      (ctx) => readPositionSet(ctx),
      () => simpleQuery,
    );
    standard('PresenceStatus', chat, (ctx) => presenceSet(ctx, this.rules), null);
    standard(
      'Space',
      chat,
      (ctx) => spaceSet(ctx),
      (ctx) => spaceQuery(ctx),
      (_ctx, id) => {
        const s = this.store.spaces.get(id);
        return s && s.isPubliclyPreviewable ? restrictedSpaceView(s) : null;
      },
    );
    standard(
      'SpaceInvite',
      chat,
      (ctx) => inviteSet(ctx),
      () => simpleQuery,
    );
    standard(
      'SpaceBan',
      chat,
      (ctx) => banSet(ctx),
      () => simpleQuery,
    );
    standard(
      'CustomEmoji',
      chat,
      (ctx) => emojiSet(ctx),
      () => emojiQuery,
    );
    standard('Quota', [CAP.quota], null, () => simpleQuery);
    reg('Chat/typing', chat, (ctx, a) => chatTyping(ctx, this.rules, this.lastTyping, a));
    reg('Space/join', chat, (ctx, a) => spaceJoin(ctx, a));
    reg('Core/echo', [CAP.core], (_ctx, a) => a);
    reg('Blob/lookup', [CAP.blob, CAP.blob2], (ctx, a) => this.blobLookup(ctx, a));
    reg('Blob/convert', [CAP.blob2], (ctx, a) => this.blobConvert(ctx, a));
    reg('PushSubscription/get', [CAP.core], (ctx, a) => this.pushSubscriptionGet(ctx, a));
    reg('PushSubscription/set', [CAP.core], (ctx, a) => this.pushSubscriptionSet(ctx, a));
  }

  // ------------------------------------------------------------ blobs

  private async upload(
    req: IncomingMessage,
    res: ServerResponse,
    user: User,
    accountId: string,
  ): Promise<void> {
    if (accountId !== user.id) return this.problem(res, 404, 'accountNotFound', 'no such account');
    const data = await this.body(req, CORE_LIMITS.maxSizeUpload);
    if (!data)
      return this.problem(res, 413, 'limit', 'the blob is too large', { limit: 'maxSizeUpload' });
    let used = 0;
    for (const b of this.store.blobs.values()) if (b.owners.has(user.id)) used += b.data.length;
    if (used + data.length > this.store.limits.storageQuota)
      return this.problem(res, 413, 'overQuota', 'the storage quota is used up');
    const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim();
    const blob = this.storeBlob(user.id, data, type);
    this.json(
      res,
      {
        accountId: user.id,
        blobId: blob.id,
        type: blob.type,
        size: data.length,
        sha256: blob.sha256,
      },
      201,
    );
  }

  private storeBlob(userId: string, data: Buffer, type: string) {
    const hash = sha256(data);
    const id = `G${hash.slice(0, 40)}`;
    let blob = this.store.blobs.get(id);
    if (!blob) {
      blob = { id, data, type, sha256: hash, owners: new Set() };
      this.store.blobs.set(id, blob);
    }
    blob.owners.add(userId);
    this.store.commit(['Quota']);
    return blob;
  }

  private download(
    res: ServerResponse,
    user: User,
    accountId: string,
    blobId: string,
    name: string,
    type: string | null,
  ): void {
    const blob = this.store.blobs.get(blobId);
    if (accountId !== user.id || !blob || !this.store.blobReadable(blob, user.id)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such blob');
      return;
    }
    res.writeHead(200, {
      'content-type': type || blob.type,
      'content-length': blob.data.length,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name || 'blob')}`,
      'cache-control': 'private, immutable, max-age=31536000',
    });
    res.end(blob.data);
  }

  private blobLookup(ctx: MethodCtx, a: Obj): Obj {
    if (a.accountId !== ctx.user.id) throw new MethodError('accountNotFound');
    const supported = ['Message', 'CustomEmoji', 'Space', 'Chat'];
    const typeNames = (a.typeNames ?? supported) as unknown;
    if (!Array.isArray(typeNames)) throw new MethodError('invalidArguments', 'typeNames');
    const bad = typeNames.filter((t) => !supported.includes(t));
    if (bad.length) throw new MethodError('unknownDataType', `cannot look up ${bad.join(', ')}`);
    if (!Array.isArray(a.ids)) throw new MethodError('invalidArguments', 'ids');
    const me = ctx.user.id;
    const list = a.ids.map((raw) => {
      const id = String(raw);
      const matchedIds: Record<string, string[]> = Object.fromEntries(
        typeNames.map((t) => [t, []]),
      );
      const refs = (type: DataType, has: (v: Obj) => boolean) => {
        if (!typeNames.includes(type)) return;
        for (const v of viewsOf(this.store, me, type).values())
          if (has(v)) matchedIds[type]!.push(v.id as string);
      };
      // Blobs a user cannot see answer empty lists, never an error (no existence leak).
      refs('Message', (v) => (v.attachments as Obj[]).some((x) => x.blobId === id));
      refs('CustomEmoji', (v) => v.blobId === id);
      refs('Space', (v) => v.iconBlobId === id);
      refs('Chat', (v) => v.avatarBlobId === id);
      return { id, matchedIds };
    });
    return { accountId: me, list, notFound: [] };
  }

  /** Blob/convert with the imageConvert recipe: PNG in, PNG out, resized to fit width × height. */
  private blobConvert(ctx: MethodCtx, a: Obj): Obj {
    if (a.accountId !== ctx.user.id) throw new MethodError('accountNotFound');
    if (!isObj(a.create)) throw new MethodError('invalidArguments', 'create must be an object');
    const created: Obj = {};
    const notCreated: Obj = {};
    for (const [cid, spec] of Object.entries(a.create)) {
      try {
        const recipe = isObj(spec) && isObj(spec.imageConvert) ? spec.imageConvert : null;
        if (!recipe)
          throw new SetErr('invalidProperties', 'only imageConvert is supported', {
            properties: ['imageConvert'],
          });
        const blob =
          typeof recipe.blobId === 'string' ? this.store.blobs.get(recipe.blobId) : undefined;
        if (!blob || !this.store.blobReadable(blob, ctx.user.id))
          throw new SetErr('blobNotFound', 'no such blob');
        const type = (recipe.type as string | undefined) ?? 'image/png';
        if (type !== 'image/png')
          throw new SetErr('invalidProperties', 'only image/png output', { properties: ['type'] });
        if (!isPng(blob.data))
          throw new SetErr('invalidProperties', 'only PNG input can be converted', {
            properties: ['blobId'],
          });
        const dim = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.floor(v) : null);
        const img = decodePng(blob.data);
        const size = fitWithin(img.width, img.height, dim(recipe.width), dim(recipe.height));
        const out = encodePng(resize(img, size.width, size.height));
        const result = this.storeBlob(ctx.user.id, out, 'image/png');
        ctx.createdIds.set(cid, result.id);
        created[cid] = {
          id: result.id,
          blobId: result.id,
          type: 'image/png',
          size: out.length,
          width: size.width,
          height: size.height,
        };
      } catch (err) {
        if (err instanceof SetErr) notCreated[cid] = err.toJSON();
        else notCreated[cid] = { type: 'invalidProperties', description: (err as Error).message };
      }
    }
    return {
      accountId: ctx.user.id,
      created: Object.keys(created).length ? created : null,
      notCreated: Object.keys(notCreated).length ? notCreated : null,
    };
  }

  // ------------------------------------------------------------ PushSubscription (RFC 8620 §7.2)

  private pushSubscriptionView(id: string): Obj | null {
    const s = this.store.pushSubscriptions.get(id);
    if (!s) return null;
    // url and keys are never returned (RFC 8620 §7.2.1).
    return {
      id: s.id,
      deviceClientId: s.deviceClientId,
      verificationCode: s.verified ? s.verificationCode : null,
      expires: s.expires,
      types: s.types,
      ...(s.chatPush ? { chatPush: s.chatPush } : {}),
    };
  }

  private pushSubscriptionGet(ctx: MethodCtx, a: Obj): Obj {
    const mine = [...this.store.pushSubscriptions.values()].filter((s) => s.userId === ctx.user.id);
    const ids = a.ids === null || a.ids === undefined ? mine.map((s) => s.id) : (a.ids as string[]);
    const list: Obj[] = [];
    const notFound: string[] = [];
    for (const id of ids) {
      const s = this.store.pushSubscriptions.get(id);
      const v = s && s.userId === ctx.user.id ? this.pushSubscriptionView(id) : null;
      if (v) list.push(v);
      else notFound.push(id);
    }
    return { list, notFound };
  }

  private pushSubscriptionSet(ctx: MethodCtx, a: Obj): Obj {
    const me = ctx.user.id;
    const created: Obj = {};
    const notCreated: Obj = {};
    const updated: Obj = {};
    const notUpdated: Obj = {};
    const destroyed: string[] = [];
    const notDestroyed: Obj = {};
    const maxExpiry = Date.now() + 7 * 24 * 3600_000;
    const clampExpiry = (v: unknown) => {
      if (v === null || v === undefined)
        return new Date(maxExpiry).toISOString().replace(/\.\d+Z$/, 'Z');
      if (!isUtcDate(v))
        throw new SetErr('invalidProperties', 'expires', { properties: ['expires'] });
      return Date.parse(v) > maxExpiry
        ? new Date(maxExpiry).toISOString().replace(/\.\d+Z$/, 'Z')
        : v;
    };
    const checkChatPush = (v: unknown) => {
      if (v === undefined || v === null) return null;
      if (!ctx.using.has(CAP.chatPush))
        throw new SetErr('invalidProperties', 'chatPush needs the chat:push capability in using', {
          properties: ['chatPush'],
        });
      if (!isObj(v) || Object.keys(v).some((k) => k !== me))
        throw new SetErr('invalidProperties', 'chatPush keys are account ids', {
          properties: ['chatPush'],
        });
      return v;
    };
    for (const [cid, o] of Object.entries((a.create ?? {}) as Obj)) {
      try {
        if (
          !isObj(o) ||
          typeof o.deviceClientId !== 'string' ||
          typeof o.url !== 'string' ||
          !/^https?:\/\//.test(o.url)
        )
          throw new SetErr('invalidProperties', 'deviceClientId and an http(s) url are required', {
            properties: ['deviceClientId', 'url'],
          });
        if (o.verificationCode !== undefined)
          throw new SetErr('invalidProperties', 'verificationCode is set later', {
            properties: ['verificationCode'],
          });
        const id = ulid();
        const sub = {
          id,
          userId: me,
          deviceClientId: o.deviceClientId,
          url: o.url,
          keys: isObj(o.keys) ? o.keys : null,
          verificationCode: randomBytes(12).toString('hex'),
          verified: false,
          expires: clampExpiry(o.expires),
          types: Array.isArray(o.types) ? (o.types as string[]) : null,
          chatPush: checkChatPush(o.chatPush),
        };
        this.store.pushSubscriptions.set(id, sub);
        ctx.createdIds.set(cid, id);
        created[cid] = { id, keys: null, expires: sub.expires };
        void this.hub.post(sub.url, {
          '@type': 'PushVerification',
          pushSubscriptionId: id,
          verificationCode: sub.verificationCode,
        });
      } catch (err) {
        if (!(err instanceof SetErr)) throw err;
        notCreated[cid] = err.toJSON();
      }
    }
    for (const [id, patch] of Object.entries((a.update ?? {}) as Obj)) {
      try {
        const s = this.store.pushSubscriptions.get(id);
        if (!s || s.userId !== me || !isObj(patch)) throw new SetErr('notFound');
        const before: Obj = {
          verificationCode: null,
          expires: s.expires,
          types: s.types,
          chatPush: s.chatPush,
        };
        const changes = changedProps(before, applyPatch(before, patch));
        for (const [k, v] of Object.entries(changes)) {
          if (k === 'verificationCode') {
            if (v !== s.verificationCode)
              throw new SetErr('invalidProperties', 'wrong verification code', { properties: [k] });
            s.verified = true;
          } else if (k === 'expires') s.expires = clampExpiry(v);
          else if (k === 'types') s.types = Array.isArray(v) ? (v as string[]) : null;
          else if (k === 'chatPush') s.chatPush = checkChatPush(v);
          else throw new SetErr('invalidProperties', `cannot change ${k}`, { properties: [k] });
        }
        updated[id] = 'expires' in changes ? { expires: s.expires } : null;
      } catch (err) {
        if (!(err instanceof SetErr)) throw err;
        notUpdated[id] = err.toJSON();
      }
    }
    for (const id of (a.destroy ?? []) as string[]) {
      const s = this.store.pushSubscriptions.get(id);
      if (!s || s.userId !== me) notDestroyed[id] = { type: 'notFound' };
      else {
        this.store.pushSubscriptions.delete(id);
        destroyed.push(id);
      }
    }
    const orNull = (o: Obj) => (Object.keys(o).length ? o : null);
    return {
      created: orNull(created),
      notCreated: orNull(notCreated),
      updated: orNull(updated),
      notUpdated: orNull(notUpdated),
      destroyed,
      notDestroyed: orNull(notDestroyed),
    };
  }

  // ------------------------------------------------------------ push endpoints

  private eventSource(req: IncomingMessage, res: ServerResponse, user: User, url: URL): void {
    const typesParam = url.searchParams.get('types') ?? '*';
    const ping = Math.max(0, Math.min(3600, Number(url.searchParams.get('ping') ?? 0) || 0));
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': jmap push\n\n');
    this.hub.addEventSource(
      {
        userId: user.id,
        res,
        types: typesParam === '*' ? null : new Set(typesParam.split(',').filter(Boolean)),
        closeAfterState: url.searchParams.get('closeafter') === 'state',
        ping: null,
      },
      (req.headers['last-event-id'] as string | undefined) ?? null,
      ping ? Math.max(1, ping) : 0,
    );
  }

  private webSocket(ws: WebSocket, user: User): void {
    const client = { userId: user.id, socket: ws, push: null, stream: null } as Parameters<
      PushHub['addSocket']
    >[0];
    this.hub.addSocket(client);
    ws.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(data));
      } catch {
        ws.send(
          JSON.stringify({
            '@type': 'RequestError',
            type: 'urn:ietf:params:jmap:error:notJSON',
            status: 400,
            detail: 'not JSON',
          }),
        );
        return;
      }
      if (!isObj(frame)) return;
      switch (frame['@type']) {
        case 'Request': {
          const out = this.handleRequest(frame, user);
          const requestId = typeof frame.id === 'string' ? { requestId: frame.id } : {};
          if ('problem' in out)
            ws.send(
              JSON.stringify({
                '@type': 'RequestError',
                ...requestId,
                type: `urn:ietf:params:jmap:error:${out.problem.type}`,
                status: 400,
                detail: out.problem.detail,
                ...out.problem.extra,
              }),
            );
          else ws.send(JSON.stringify({ '@type': 'Response', ...requestId, ...out.response }));
          break;
        }
        case 'WebSocketPushEnable':
          this.hub.enablePush(client, frame.dataTypes, frame.pushState);
          break;
        case 'WebSocketPushDisable':
          client.push = null;
          break;
        case 'ChatStreamEnable': {
          const set = (v: unknown) => (Array.isArray(v) ? new Set(v.map(String)) : null);
          client.stream = {
            types: set(frame.dataTypes) ?? new Set(['typing', 'presence']),
            chatIds: set(frame.chatIds),
            contactIds: set(frame.contactIds),
          };
          break;
        }
        case 'ChatStreamDisable':
          client.stream = null;
          break;
        default:
          // Unknown frame types are ignored, never a reason to close (chat-wss draft).
          break;
      }
    });
  }
}

/** Resolves "#name" result references (RFC 8620 §3.7) against earlier responses. */
export function resolveResultReferences(args: Obj, responses: [string, Obj, string][]): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      out[key] = value;
      continue;
    }
    const name = key.slice(1);
    if (name in args) throw new MethodError('invalidArguments', `both ${name} and #${name} given`);
    if (
      !isObj(value) ||
      typeof value.resultOf !== 'string' ||
      typeof value.name !== 'string' ||
      typeof value.path !== 'string'
    )
      throw new MethodError('invalidResultReference', `#${name} is not a ResultReference`);
    const source = responses.find(([n, , id]) => id === value.resultOf && n === value.name);
    if (!source)
      throw new MethodError(
        'invalidResultReference',
        `no ${value.name} response for ${value.resultOf}`,
      );
    out[name] = evaluatePointer(source[1], value.path);
  }
  return out;
}

/** A JSON Pointer with the "*" array wildcard of RFC 8620 §3.7 (results flattened). */
export function evaluatePointer(root: unknown, path: string): unknown {
  const parts =
    path === ''
      ? []
      : path
          .replace(/^\//, '')
          .split('/')
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const walk = (value: unknown, i: number): unknown => {
    if (i === parts.length) return value;
    const part = parts[i]!;
    if (Array.isArray(value)) {
      if (part === '*') {
        const mapped = value.map((v) => walk(v, i + 1));
        return mapped.flatMap((v) => (Array.isArray(v) ? v : [v]));
      }
      const n = Number(part);
      if (!Number.isInteger(n) || n < 0 || n >= value.length)
        throw new MethodError('invalidResultReference', `bad index in ${path}`);
      return walk(value[n], i + 1);
    }
    if (isObj(value) && part in value) return walk(value[part], i + 1);
    throw new MethodError('invalidResultReference', `${path} does not resolve`);
  };
  return walk(root, 0);
}

/** Starts a server on loopback (random port unless given). */
export async function startJmapChatServer(
  options: JmapChatServerOptions = {},
): Promise<JmapChatServer> {
  return new JmapChatServer(options).listen();
}
