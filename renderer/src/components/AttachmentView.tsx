// An attachment: name and size; images as thumbnails (fetched into the blob
// store on first sight, through attachments.thumbnail or attachments.fetch),
// anything else opened on request. The blob URL comes from the client
// (parley-blob:// in Electron, /blob/<sha> under the session cookie in web mode).
import { useEffect, useState } from 'react';
import type { AttachmentInfo } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { CallError, errorMessage } from '../api/callError.js';
import { byteSize } from '../lib/format.js';

const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
/** Images up to this size are fetched whole when the server makes no thumbnails. */
const AUTO_FETCH_BYTES = 4 * 1024 * 1024;

const unsupported = (err: unknown) =>
  err instanceof CallError && (err.code === 'not_implemented' || err.code === 'unknown_procedure');

export function AttachmentView({ attachment }: { attachment: AttachmentInfo }) {
  const client = useClient();
  const { id, mime, name, size } = attachment;
  const isImage = INLINE_IMAGE.test(mime);
  const [sha, setSha] = useState<string | null>(attachment.blobSha256);
  const [thumb, setThumb] = useState<string | null>(attachment.blobSha256);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!isImage || thumb) return;
    let live = true;
    client
      .call('attachments.thumbnail', { attachmentId: id, width: 480, height: 360 })
      .catch((err: unknown) => {
        if (unsupported(err) && (size ?? 0) <= AUTO_FETCH_BYTES)
          return client.call('attachments.fetch', { attachmentId: id });
        throw err;
      })
      .then(
        (blob) => live && setThumb(blob.sha256),
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [client, id, isImage, size, thumb]);

  const fetchWhole = async (): Promise<string | null> => {
    if (sha) return sha;
    setBusy(true);
    setError(null);
    try {
      const blob = await client.call('attachments.fetch', { attachmentId: id });
      setSha(blob.sha256);
      return blob.sha256;
    } catch (err) {
      setError(
        unsupported(err)
          ? 'This account cannot download attachments yet.'
          : `Could not download: ${errorMessage(err)}`,
      );
      return null;
    } finally {
      setBusy(false);
    }
  };

  const open = async () => {
    const got = await fetchWhole();
    if (got) window.open(client.blobUrl(got), '_blank', 'noopener');
  };

  const label = `${name}${size !== null ? ` (${byteSize(size)})` : ''}`;
  return (
    <div className={`attachment ${isImage ? 'image' : 'file'}`} data-attachment-id={id}>
      {isImage && thumb ? (
        <button
          type="button"
          className="thumb"
          aria-label={`Open image ${name}`}
          onClick={() => void open()}
        >
          <img src={client.blobUrl(thumb)} alt={name} loading="lazy" decoding="async" />
        </button>
      ) : null}
      <span className="attachment-meta">
        <span aria-hidden="true">{isImage ? '🖼' : '📄'} </span>
        {sha ? (
          <a href={client.blobUrl(sha)} target="_blank" rel="noopener noreferrer" download={name}>
            {label}
          </a>
        ) : (
          <button type="button" className="link-button" disabled={busy} onClick={() => void open()}>
            {busy ? `Downloading ${name}…` : label}
          </button>
        )}
      </span>
      {error ? (
        <span className="error" role="alert">
          {' '}
          {error}
        </span>
      ) : null}
    </div>
  );
}
