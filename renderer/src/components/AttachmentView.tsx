// An attachment. Images show as thumbnails in a box sized from the sender's
// width and height before they load (no layout shift), fetched into the blob
// store on first sight (attachments.thumbnail, or attachments.fetch when the
// server makes none), and open the image viewer. Audio and video play inline
// once fetched. Every attachment shows its size and can be opened or saved.
// The blob URL comes from the client (parley-blob:// in Electron, /blob/<sha>
// under the session cookie in web mode).
import { useEffect, useState } from 'react';
import type { AttachmentInfo } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { CallError, errorMessage } from '../api/callError.js';
import { useTimelineActions } from '../api/TimelineActions.js';
import { byteSize } from '../lib/format.js';
import { mediaBox } from '../lib/mediaBox.js';

export const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
const INLINE_VIDEO = /^video\/(mp4|webm|ogg)$/;
const INLINE_AUDIO = /^audio\/(mpeg|mp4|ogg|wav|webm|aac|flac|x-wav)$/;
/** Images up to this size are fetched whole when the server makes no thumbnails. */
const AUTO_FETCH_BYTES = 4 * 1024 * 1024;

const unsupported = (err: unknown) =>
  err instanceof CallError && (err.code === 'not_implemented' || err.code === 'unknown_procedure');

export function AttachmentView({ attachment }: { attachment: AttachmentInfo }) {
  const client = useClient();
  const actions = useTimelineActions();
  const { id, mime, name, size } = attachment;
  const isImage = INLINE_IMAGE.test(mime);
  const playable = INLINE_VIDEO.test(mime) ? 'video' : INLINE_AUDIO.test(mime) ? 'audio' : null;
  const [sha, setSha] = useState<string | null>(attachment.blobSha256);
  const [thumb, setThumb] = useState<string | null>(attachment.blobSha256);
  const [playing, setPlaying] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = mediaBox(attachment.width, attachment.height);

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
  const play = async () => {
    if (await fetchWhole()) setPlaying(true);
  };

  const sizeText = size !== null ? byteSize(size) : null;
  return (
    <div
      className={`attachment ${isImage ? 'image' : (playable ?? 'file')}`}
      data-attachment-id={id}
    >
      {isImage ? (
        <button
          type="button"
          className="thumb"
          aria-label={`Open image ${name}`}
          style={{ width: box.width, height: box.height }}
          onClick={() => actions.openImage(id)}
        >
          {thumb ? (
            <img
              src={client.blobUrl(thumb)}
              alt={name}
              width={box.width}
              height={box.height}
              decoding="async"
            />
          ) : null}
        </button>
      ) : null}
      {playable && playing && sha ? (
        playable === 'video' ? (
          <video
            className="inline-video"
            src={client.blobUrl(sha)}
            controls
            autoPlay
            preload="metadata"
            width={box.width}
            height={box.height}
            aria-label={name}
          />
        ) : (
          <audio
            className="inline-audio"
            src={client.blobUrl(sha)}
            controls
            autoPlay
            aria-label={name}
          />
        )
      ) : playable ? (
        <button
          type="button"
          className="play"
          disabled={busy}
          style={playable === 'video' ? { width: box.width, height: box.height } : undefined}
          onClick={() => void play()}
        >
          {busy ? 'Loading…' : `▶ Play ${playable}`}
        </button>
      ) : null}
      <span className="attachment-meta">
        <span aria-hidden="true">
          {isImage ? '🖼' : playable === 'audio' ? '🎵' : playable ? '🎬' : '📄'}{' '}
        </span>
        <span className="attachment-name">{name}</span>
        {sizeText ? <span className="attachment-size"> · {sizeText}</span> : null}{' '}
        <button type="button" className="link-button" disabled={busy} onClick={() => void open()}>
          {busy ? 'Downloading…' : 'Open'}
        </button>{' '}
        {sha ? (
          <a href={client.blobUrl(sha)} download={name} className="save-link">
            Save
          </a>
        ) : (
          <button
            type="button"
            className="link-button"
            disabled={busy}
            onClick={() => void fetchWhole()}
          >
            Save…
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
