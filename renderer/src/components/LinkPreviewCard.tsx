// A preview of the first link in a message, made by the account's server
// (media.linkPreview: Matrix preview_url, cached by the daemon; none when the
// account has previews switched off). Its image comes from the media repository.
import { useEffect, useState } from 'react';
import type { LinkPreview } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { useLinkOpener } from '../api/LinkOpener.js';
import { useMediaUrl } from '../hooks/useMediaUrl.js';

const asked = new Map<string, Promise<LinkPreview | null>>();

export function LinkPreviewCard({ accountId, url }: { accountId: number; url: string }) {
  const client = useClient();
  const opener = useLinkOpener();
  const [preview, setPreview] = useState<LinkPreview | null>(null);
  useEffect(() => {
    let live = true;
    const key = `${accountId}\n${url}`;
    let got = asked.get(key);
    if (!got) {
      got = client.call('media.linkPreview', { accountId, url }).catch(() => null);
      asked.set(key, got);
    }
    void got.then((p) => live && setPreview(p));
    return () => {
      live = false;
    };
  }, [client, accountId, url]);
  const image = useMediaUrl(accountId, preview?.imageUri, { width: 160, height: 160 });
  if (!preview) return null;
  return (
    <a
      className="link-preview"
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      onClick={(e) => {
        e.preventDefault();
        opener.open(url);
      }}
    >
      {preview.imageUri ? (
        <span className="link-preview-image">{image ? <img src={image} alt="" /> : null}</span>
      ) : null}
      <span className="link-preview-text">
        {preview.siteName ? <span className="link-preview-site">{preview.siteName}</span> : null}
        {preview.title ? <strong className="link-preview-title">{preview.title}</strong> : null}
        {preview.description ? (
          <span className="link-preview-description">{preview.description}</span>
        ) : null}
      </span>
    </a>
  );
}
