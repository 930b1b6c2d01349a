// A Matrix formatted body (org.matrix.custom.html), sanitized by
// lib/matrixHtml.ts and put in the page. Inline images come from the media
// repository: the first render shows their descriptions while the daemon
// fetches them (media.fetch), then the body is sanitized again with their blob
// URLs. Clicks are delegated: a link goes through the link opener, a spoiler
// shows its text, a pill stays put.
import { useEffect, useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { WindowLike } from 'dompurify';
import { useClient } from '../api/ClientContext.js';
import { useLinkOpener } from '../api/LinkOpener.js';
import { fetchMediaSha } from '../hooks/useMediaUrl.js';
import { sanitizeMatrixHtml } from '../lib/matrixHtml.js';

interface Props {
  accountId: number;
  html: string;
  selfIds: ReadonlySet<string>;
}

export function FormattedBody({ accountId, html, selfIds }: Props) {
  const client = useClient();
  const opener = useLinkOpener();
  const [images, setImages] = useState<ReadonlyMap<string, string>>(new Map());
  const clean = useMemo(
    () => sanitizeMatrixHtml(html, { window: window as unknown as WindowLike, images, selfIds }),
    [html, images, selfIds],
  );
  const pendingKey = clean.pendingImages.join('\n');

  useEffect(() => {
    if (!pendingKey) return;
    let live = true;
    const uris = pendingKey.split('\n');
    void Promise.all(
      uris.map(async (uri) => [uri, await fetchMediaSha(client, accountId, uri)] as const),
    ).then((got) => {
      if (!live) return;
      const loaded = got.filter(([, sha]) => sha !== null);
      if (loaded.length === 0) return;
      setImages((prev) => {
        const next = new Map(prev);
        for (const [uri, sha] of loaded) next.set(uri, client.blobUrl(sha!));
        return next;
      });
    });
    return () => {
      live = false;
    };
  }, [client, accountId, pendingKey]);

  const activate = (target: HTMLElement, e: { preventDefault(): void }) => {
    const spoiler = target.closest('.spoiler');
    if (spoiler) {
      e.preventDefault();
      spoiler.classList.toggle('revealed');
      return;
    }
    const link = target.closest('a');
    if (!link) return;
    e.preventDefault();
    if (link.classList.contains('mention-pill')) return;
    const href = link.getAttribute('href');
    if (href) opener.open(href, link.textContent ?? undefined);
  };

  return (
    <div
      className="formatted-body"
      onClick={(e: MouseEvent<HTMLDivElement>) => activate(e.target as HTMLElement, e)}
      onKeyDown={(e: KeyboardEvent<HTMLDivElement>) => {
        if ((e.key === 'Enter' || e.key === ' ') && (e.target as HTMLElement).closest('.spoiler'))
          activate(e.target as HTMLElement, e);
      }}
      // Sanitized by DOMPurify with the Matrix allow-list (lib/matrixHtml.ts).
      dangerouslySetInnerHTML={{ __html: clean.html }}
    />
  );
}
