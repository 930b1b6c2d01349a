// A media-repository URI (an avatar, an inline image: Matrix mxc://) as a
// blob URL the page can load: the daemon fetches it once into the blob store
// (media.fetch, cached there across launches); this module remembers the
// answer for the session, so a hundred rows with one avatar ask once.
import { useEffect, useState } from 'react';
import { useClient } from '../api/ClientContext.js';
import type { RendererClient } from '../api/client.js';

const known = new Map<string, Promise<string | null>>();

export function fetchMediaSha(
  client: RendererClient,
  accountId: number,
  uri: string,
  size?: { width: number; height: number },
): Promise<string | null> {
  const key = `${accountId}\n${uri}\n${size ? `${size.width}x${size.height}` : ''}`;
  let got = known.get(key);
  if (!got) {
    got = client
      .call('media.fetch', { accountId, uri, ...(size ?? {}) })
      .then((b) => b.sha256)
      .catch(() => {
        // A failure is not remembered for ever: the next mount asks again.
        setTimeout(() => known.delete(key), 60_000);
        return null;
      });
    known.set(key, got);
  }
  return got;
}

/** The blob URL for `uri`, or null while it loads (or when there is none). */
export function useMediaUrl(
  accountId: number,
  uri: string | null | undefined,
  size?: { width: number; height: number },
): string | null {
  const client = useClient();
  const [url, setUrl] = useState<string | null>(null);
  const w = size?.width;
  const h = size?.height;
  useEffect(() => {
    setUrl(null);
    if (!uri) return;
    let live = true;
    void fetchMediaSha(client, accountId, uri, w && h ? { width: w, height: h } : undefined).then(
      (sha) => live && sha && setUrl(client.blobUrl(sha)),
    );
    return () => {
      live = false;
    };
  }, [client, accountId, uri, w, h]);
  return url;
}
