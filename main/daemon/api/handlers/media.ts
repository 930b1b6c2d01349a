// Attachments and images: sending files, fetching attachments and thumbnails, remote mail images.
import { ApiError } from '../contract.js';
import type { Store } from '../../store/store.js';
import { secretKey } from '../../store/accounts.js';
import { attachmentSource, fetchedBlob, linkFetchedBlob } from '../../store/attachments.js';
import type { Connector, ConnectorContext } from '../../connectors/connector.js';
import { stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { HandlerContext, Handlers } from './context.js';
import { guardedGet } from '../../remoteFetch/guardedGet.js';
import { connectorContext, noBlobs } from '../../connectors/context.js';

/** How media.fetchRemote may reach the network. */
export interface RemoteFetchPolicy {
  /** Loopback ports it may reach: the test harness's image server. Never set by the app. */
  testOnlyLoopbackPorts?: readonly number[];
}

export function mediaHandlers(ctx: HandlerContext, remoteFetch: RemoteFetchPolicy = {}) {
  const {
    store,
    engine,
    secrets,
    writableChatOrThrow,
    accountOrThrow,
    connectorFor,
    capableOrThrow,
    contextFor,
    enqueue,
  } = ctx;

  /** Attachment bytes into the blob store, once (any connector with fetchAttachment). */
  async function fetchAttachment({ attachmentId }: { attachmentId: number }) {
    const row = attachmentSource(store.readDb, attachmentId);
    if (!row) throw new ApiError('not_found', `no attachment ${attachmentId}`);
    const describe = (sha256: string) => ({ sha256, ...store.blobs.info(sha256)! });
    // Fetched before, for this message or another one holding the same server blob.
    const known = row.blobSha256 ?? fetchedBlob(store.readDb, row.accountId, row.remoteId);
    const link = (sha: string) => linkFetchedBlob(store.db, row.accountId, row.remoteId, sha);
    if (known && store.blobs.has(known) && store.blobs.info(known)) {
      link(known);
      return describe(known);
    }
    const flightKey = `${row.accountId}\n${row.remoteId}`;
    let flight = attachmentFlights.get(flightKey);
    if (!flight) {
      flight = (async () => {
        const account = store.accounts.get(row.accountId)!;
        const connector = (await engine.connector(account)) as Connector &
          Partial<AttachmentFetcher>;
        if (typeof connector.fetchAttachment !== 'function')
          throw new ApiError('not_implemented', `${account.protocol} cannot fetch attachments`);
        const secret = await secrets.get(secretKey(account));
        if (secret === null)
          throw new ApiError('auth_failed', 'no credentials in the keychain for this account');
        const got = await connector.fetchAttachment(
          connectorContext({
            account,
            secret,
            signal: AbortSignal.timeout(30 * 60_000),
            cursor: () => null,
            openBlob: noBlobs,
            log: () => undefined,
          }),
          { remoteId: row.remoteId, name: row.name, mime: row.mime, source: row.source },
        );
        const sha = await integrityChecked(store.blobs.put(got.stream, row.mime || got.mime));
        link(sha);
        return sha;
      })().finally(() => attachmentFlights.delete(flightKey));
      attachmentFlights.set(flightKey, flight);
    }
    return describe(await flight);
  }
  return {
    'media.fetchRemote': ({ urls }) =>
      Promise.all(
        urls.map(async (url) => {
          try {
            return {
              url,
              sha256: await fetchRemoteImage(store, url, remoteFetch),
              error: null,
            };
          } catch (err) {
            return { url, sha256: null, error: (err as Error).message };
          }
        }),
      ),
    'messages.sendAttachment': async (input) => {
      const chat = writableChatOrThrow(input.chatId);
      const account = accountOrThrow(chat.accountId);
      capableOrThrow(account, (c) => c.attachments, 'send attachments');
      const mime = input.mime ?? 'application/octet-stream';
      let sha256: string;
      if (input.path !== undefined) {
        const info = await stat(input.path).catch(() => null);
        if (!info?.isFile()) throw new ApiError('not_found', `no file ${basename(input.path)}`);
        sha256 = await store.blobs.put(createReadStream(input.path), mime);
      } else if (input.blobSha256 !== undefined) {
        sha256 = input.blobSha256;
        if (!(await store.blobs.adopt(sha256, mime)))
          throw new ApiError('not_found', 'no uploaded file with that sha256; upload it first');
      } else {
        sha256 = await store.blobs.put(Buffer.from(input.dataBase64!, 'base64'), mime);
      }
      const size = store.blobs.info(sha256)!.size;
      const replyTo =
        input.replyToMessageId !== undefined
          ? store.read.messagesById([input.replyToMessageId])[0]
          : undefined;
      const entry = enqueue(chat.accountId, chat.id, {
        op: 'sendAttachment',
        chatRemoteId: chat.remoteId,
        body: input.body ?? input.name,
        replyToRemoteId: replyTo?.remoteId ?? null,
        attachment: {
          sha256,
          name: input.name,
          mime,
          size,
          width: input.width ?? null,
          height: input.height ?? null,
        },
      });
      return { outboxId: entry.id, messageId: entry.localMessageId! };
    },
    'attachments.fetch': (input) => fetchAttachment(input),
    'attachments.thumbnail': async ({ attachmentId, width, height, method }) => {
      const row = attachmentSource(store.readDb, attachmentId);
      if (!row) throw new ApiError('not_found', `no attachment ${attachmentId}`);
      const account = accountOrThrow(row.accountId);
      const cacheKey = `${row.accountId}\n${row.remoteId}\n${width}x${height}\n${method ?? 'scale'}`;
      const cached = thumbnails.get(cacheKey);
      if (cached && store.blobs.has(cached))
        return { sha256: cached, ...store.blobs.info(cached)! };
      const connector = await connectorFor(
        account,
        (c) => typeof c.fetchThumbnail === 'function',
        'make thumbnails',
      );
      const got = await connector.fetchThumbnail!(
        await contextFor(account, 5 * 60_000),
        { remoteId: row.remoteId, name: row.name, mime: row.mime, source: row.source },
        { width, height, method },
      );
      const sha = await integrityChecked(store.blobs.put(got.stream, got.mime));
      thumbnails.set(cacheKey, sha);
      return { sha256: sha, ...store.blobs.info(sha)! };
    },
    'mail.fetchAttachment': (input) => fetchAttachment(input),
  } satisfies Partial<Handlers>;
}

/**
 * Bytes that fail their checksum (an end-to-end encrypted attachment changed
 * on the server) were not stored: the caller gets `integrity_failed`, by
 * name since the connector's error class is its own.
 */
async function integrityChecked(put: Promise<string>): Promise<string> {
  try {
    return await put;
  } catch (err) {
    if ((err as Error)?.name === 'AttachmentIntegrityError')
      throw new ApiError('integrity_failed', (err as Error).message);
    throw err;
  }
}

/** Thumbnails fetched in this process: (account, attachment, size) → blob. */
const thumbnails = new Map<string, string>();
const REMOTE_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/** One remote image into the blob store: http(s) to public addresses only, an image type, at most 10 MB. */
async function fetchRemoteImage(
  store: Store,
  url: string,
  policy: RemoteFetchPolicy,
): Promise<string> {
  if (!/^https?:\/\//i.test(url)) throw new Error('only http and https images');
  const { response } = await guardedGet(url, {
    signal: AbortSignal.timeout(20_000),
    testOnlyLoopbackPorts: policy.testOnlyLoopbackPorts,
    headers: { accept: 'image/*' },
  });
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.resume();
    throw new Error(`HTTP ${status}`);
  }
  const mime = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(mime)) {
    response.destroy();
    throw new Error(`not an image (${mime})`);
  }
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > REMOTE_IMAGE_MAX_BYTES) {
    response.destroy();
    throw new Error('image too large');
  }
  async function* limited(): AsyncIterable<Uint8Array> {
    let total = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        total += chunk.byteLength;
        if (total > REMOTE_IMAGE_MAX_BYTES) throw new Error('image too large');
        yield chunk;
      }
    } finally {
      response.destroy();
    }
  }
  return store.blobs.put(limited(), mime);
}

/** What a connector offers when it can fetch attachment bytes on demand (jmap-mail does). */
interface AttachmentFetcher {
  fetchAttachment(
    ctx: ConnectorContext,
    attachment: { remoteId: string; name: string; mime: string; source: string | null },
  ): Promise<{ mime: string; size: number | null; stream: AsyncIterable<Uint8Array> }>;
}

/** Downloads in progress, so two requests for the same blob download it once. */
const attachmentFlights = new Map<string, Promise<string>>();
