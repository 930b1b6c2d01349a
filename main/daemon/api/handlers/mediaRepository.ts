// Media an account's server keeps by URI (avatars, inline images: Matrix
// mxc://) and the link previews it makes, each fetched once: the bytes go to
// the blob store, and media_cache / link_previews remember what a URI gave.
import { ApiError, type LinkPreview } from '../contract.js';
import {
  cachedLinkPreview,
  cachedMedia,
  mediaVariant,
  rememberLinkPreview,
  rememberMedia,
} from '../../store/mediaCache.js';
import { readAccountSettings } from '../../store/accountSettings.js';
import type { RemoteLinkPreview } from '../../connectors/connector.js';
import type { HandlerContext, Handlers } from './context.js';

/** A preview (or its absence) is fetched again after this long. */
const PREVIEW_TTL_MS = 24 * 60 * 60_000;

export function mediaRepositoryHandlers(ctx: HandlerContext) {
  const { store, accountOrThrow, connectorFor, contextFor } = ctx;
  /** Fetches in progress, so ten avatars of one person are one download. */
  const flights = new Map<string, Promise<string>>();
  const previewFlights = new Map<string, Promise<LinkPreview | null>>();

  const describe = (sha256: string) => ({ sha256, ...store.blobs.info(sha256)! });

  return {
    'media.fetch': async ({ accountId, uri, width, height }) => {
      const account = accountOrThrow(accountId);
      const size = width !== undefined && height !== undefined ? { width, height } : undefined;
      const variant = mediaVariant(size);
      const known = cachedMedia(store.readDb, accountId, uri, variant);
      if (known && store.blobs.has(known) && store.blobs.info(known)) return describe(known);
      const key = `${accountId}\n${uri}\n${variant}`;
      let flight = flights.get(key);
      if (!flight) {
        flight = (async () => {
          const connector = await connectorFor(
            account,
            (c) => typeof c.fetchMedia === 'function',
            'fetch media by address',
          );
          const got = await connector.fetchMedia!(await contextFor(account, 5 * 60_000), uri, size);
          const sha = await store.blobs.put(got.stream, got.mime);
          rememberMedia(store.db, accountId, uri, variant, sha);
          return sha;
        })().finally(() => flights.delete(key));
        flights.set(key, flight);
      }
      return describe(await flight);
    },
    'media.linkPreview': async ({ accountId, url }) => {
      const account = accountOrThrow(accountId);
      if (!/^https?:\/\//i.test(url)) throw new ApiError('invalid_input', 'only http(s) links');
      if (!readAccountSettings(store.readDb, accountId).linkPreviews) return null;
      const cached = cachedLinkPreview(store.readDb, accountId, url);
      if (cached && Date.now() - cached.fetchedAt < PREVIEW_TTL_MS)
        return cached.json === null ? null : (JSON.parse(cached.json) as LinkPreview);
      const connector = await ctx.engine.connector(account);
      if (typeof connector?.previewUrl !== 'function') return null;
      const key = `${accountId}\n${url}`;
      let flight = previewFlights.get(key);
      if (!flight) {
        flight = (async () => {
          const remote: RemoteLinkPreview | null = await connector.previewUrl!(
            await contextFor(account, 20_000),
            url,
          );
          const preview: LinkPreview | null = remote ? { url, ...remote } : null;
          rememberLinkPreview(store.db, accountId, url, preview ? JSON.stringify(preview) : null);
          return preview;
        })().finally(() => previewFlights.delete(key));
        previewFlights.set(key, flight);
      }
      return flight;
    },
  } satisfies Partial<Handlers>;
}
