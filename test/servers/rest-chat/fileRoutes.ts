// Uploads (a raw body named by File-Name and Content-Type) and the files they
// become, served at the root (the documented API's server), at /files/ (the
// documented path) and at /uploads/ (later servers).
import { bearer, type Ctx } from './context.js';
import { Abort, FileReply, Text, type Request, type Router } from './http.js';
import { newUuid } from './store.js';

export const MAX_UPLOAD_BYTES = 50_000_000;

/** Vapor maps a few media types to extensions; any other Content-Type is used as it is. */
const KNOWN_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

const SERVED_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
};

export function fileRoutes(router: Router, ctx: Ctx): void {
  const { store } = ctx;

  router.on('POST', '/uploads', (req) => {
    bearer(ctx, req);
    const type = req.headers['content-type'];
    if (!type) throw new Abort(500, 'Could not upload without file type.');
    const ext = KNOWN_TYPES[type.split(';')[0]!.trim()] ?? type;
    const header = req.headers['file-name'];
    const name = (Array.isArray(header) ? header[0] : header) || newUuid();
    const fileName = `${name}.${ext}`;
    store.files.set(fileName, req.body);
    return new Text(fileName);
  });

  router.fallback = (req: Request) => {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const name =
      parts.length === 1
        ? parts[0]
        : parts.length === 2 && (parts[0] === 'files' || parts[0] === 'uploads')
          ? parts[1]
          : undefined;
    const data = name !== undefined ? store.files.get(name) : undefined;
    if (!name || !data) return undefined;
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    return new FileReply(data, SERVED_TYPES[ext] ?? 'application/octet-stream');
  };
}
