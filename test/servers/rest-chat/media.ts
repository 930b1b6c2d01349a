// MediaInfo in request bodies (user photos, chat images, message attachments).
import { Abort, int, isUuid, optInt, optStr, str, type Obj } from './http.js';
import { newUuid, type Media } from './store.js';

/**
 * Photos and chat images take the client's id (it names the uploaded file);
 * message attachments always get a new server id, whatever the client sent.
 */
export function mediaFromBody(
  o: Obj,
  opts: { id: 'client' | 'server'; preview: [number, number] },
): Media {
  const fileType = str(o, 'fileType');
  const fileSize = int(o, 'fileSize');
  let id: string;
  if (opts.id === 'server') {
    if (!fileType || fileSize <= 0) throw new Abort(400, 'Malformed message data.');
    id = newUuid();
  } else {
    const given = optStr(o, 'id');
    if (!given) throw new Abort(400, 'Media resource id is missing.');
    if (!isUuid(given)) throw new Abort(400, "Value of type 'UUID' required for key 'id'.");
    if (!fileType || fileSize <= 0) throw new Abort(400, 'Media fileType or fileSize are missing.');
    id = given.toUpperCase();
  }
  return {
    id,
    fileType,
    fileSize,
    previewWidth: optInt(o, 'previewWidth') ?? opts.preview[0],
    previewHeight: optInt(o, 'previewHeight') ?? opts.preview[1],
    createdAt: new Date(),
  };
}
