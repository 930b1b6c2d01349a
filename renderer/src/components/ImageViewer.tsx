// The image viewer: one image of the chat at a time, whole (fetched into the
// blob store), zoomed to fit or in steps (buttons, +/-, 0, the wheel with
// Ctrl), the previous and next image of the loaded messages (buttons, ←/→),
// and save (a download of the blob).
import { useEffect, useState, type KeyboardEvent, type WheelEvent } from 'react';
import type { AttachmentInfo } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { byteSize } from '../lib/format.js';
import { Dialog } from './Dialog.js';

export interface ViewerImage {
  attachment: AttachmentInfo;
  senderName: string;
  ts: number;
}

const ZOOMS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

interface Props {
  images: readonly ViewerImage[];
  startId: number;
  onClose(): void;
}

export function ImageViewer({ images, startId, onClose }: Props) {
  const client = useClient();
  const [index, setIndex] = useState(() =>
    Math.max(
      0,
      images.findIndex((i) => i.attachment.id === startId),
    ),
  );
  /** null: fit the window. */
  const [zoom, setZoom] = useState<number | null>(null);
  const [sha, setSha] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = images[index];

  useEffect(() => {
    if (!current) return;
    let live = true;
    setSha(current.attachment.blobSha256);
    setError(null);
    setZoom(null);
    if (!current.attachment.blobSha256)
      client.call('attachments.fetch', { attachmentId: current.attachment.id }).then(
        (b) => live && setSha(b.sha256),
        (err: unknown) => live && setError(`Could not load the image: ${errorMessage(err)}`),
      );
    return () => {
      live = false;
    };
  }, [client, current]);

  if (!current) return null;
  const step = (dir: 1 | -1) => {
    const now = zoom ?? 1;
    const next = dir > 0 ? ZOOMS.find((z) => z > now) : [...ZOOMS].reverse().find((z) => z < now);
    if (next !== undefined) setZoom(next);
  };
  const go = (delta: number) =>
    setIndex((i) => Math.min(images.length - 1, Math.max(0, i + delta)));
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight') go(1);
    else if (e.key === 'ArrowLeft') go(-1);
    else if (e.key === '+' || e.key === '=') step(1);
    else if (e.key === '-') step(-1);
    else if (e.key === '0') setZoom(null);
    else return;
    e.preventDefault();
  };
  const onWheel = (e: WheelEvent) => {
    if (!e.ctrlKey) return;
    step(e.deltaY < 0 ? 1 : -1);
  };
  const { attachment: a } = current;
  const url = sha ? client.blobUrl(sha) : null;
  return (
    <Dialog title={a.name} onClose={onClose} className="image-viewer">
      <div className="viewer-body" onKeyDown={onKeyDown} onWheel={onWheel} tabIndex={-1}>
        <div className={`viewer-stage${zoom === null ? ' fit' : ''}`} data-zoom={zoom ?? 'fit'}>
          {url ? (
            <img
              src={url}
              alt={a.name}
              style={
                zoom === null || !a.width || !a.height
                  ? undefined
                  : {
                      width: a.width * zoom,
                      height: a.height * zoom,
                      maxWidth: 'none',
                      maxHeight: 'none',
                    }
              }
            />
          ) : error ? (
            <p className="notice error" role="alert">
              {error}
            </p>
          ) : (
            <p className="notice">Loading…</p>
          )}
        </div>
        <div className="viewer-bar" role="toolbar" aria-label="Image">
          <button
            type="button"
            onClick={() => go(-1)}
            disabled={index === 0}
            aria-label="Previous image"
          >
            ←
          </button>
          <span className="viewer-position">
            {index + 1} / {images.length}
          </span>
          <button
            type="button"
            onClick={() => go(1)}
            disabled={index === images.length - 1}
            aria-label="Next image"
          >
            →
          </button>
          <button type="button" onClick={() => step(-1)} aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => setZoom(null)} aria-pressed={zoom === null}>
            Fit
          </button>
          <span className="viewer-zoom" aria-live="polite">
            {zoom === null ? 'Fit' : `${Math.round(zoom * 100)}%`}
          </span>
          <button type="button" onClick={() => step(1)} aria-label="Zoom in">
            +
          </button>
          <span className="viewer-caption">
            {current.senderName}
            {a.size !== null ? ` · ${byteSize(a.size)}` : ''}
          </span>
          {url ? (
            <a className="button-like" href={url} download={a.name}>
              Save
            </a>
          ) : null}
        </div>
      </div>
    </Dialog>
  );
}
