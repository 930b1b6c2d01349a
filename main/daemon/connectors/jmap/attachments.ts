// Attachment bytes on demand, for every JMAP connector: an attachment's remote
// id is its blobId, downloaded through the session's URL template and streamed
// to the caller (the API layer writes it into the blob store).
import type { AttachmentRef, FetchedAttachment } from '../connector.js';
import type { JmapClient } from './client.js';

export async function fetchJmapAttachment(
  s: { readonly client: JmapClient; readonly accountId: string },
  attachment: AttachmentRef,
  signal: AbortSignal,
): Promise<FetchedAttachment> {
  const r = await s.client.download(s.accountId, attachment.remoteId, {
    name: attachment.name,
    type: attachment.mime,
    signal,
  });
  return { mime: attachment.mime || r.type, size: r.size, stream: r.stream };
}
