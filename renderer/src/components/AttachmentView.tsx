// An attachment: images inline (through the blob route or protocol), anything
// else as a named file. Blobs not downloaded yet show as names only.
import type { AttachmentInfo } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { byteSize } from '../lib/format.js';

const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;

export function AttachmentView({ attachment }: { attachment: AttachmentInfo }) {
  const client = useClient();
  const { blobSha256: sha, mime, name, size } = attachment;
  if (sha && INLINE_IMAGE.test(mime))
    return (
      <figure className="attachment image">
        <img src={client.blobUrl(sha)} alt={name} loading="lazy" decoding="async" />
      </figure>
    );
  const label = `${name}${size !== null ? ` (${byteSize(size)})` : ''}`;
  return (
    <div className="attachment file">
      {sha ? (
        <a href={client.blobUrl(sha)} download={name}>
          {label}
        </a>
      ) : (
        <span title="Not downloaded yet">{label}</span>
      )}
    </div>
  );
}
