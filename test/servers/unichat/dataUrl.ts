// `data:<mediatype>;base64,<data>` strings (attachments, avatars, icons).
import { RpcError } from './rpc.js';

export function parseDataUrl(value: string, name: string): { contentType: string; data: Buffer } {
  const m = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,([A-Za-z0-9+/=\s]*)$/.exec(value);
  if (!m)
    throw new RpcError('invalid_arguments', `${name}: must be a data:<type>;base64,<data> URL`);
  return { contentType: m[1]!.toLowerCase(), data: Buffer.from(m[2]!, 'base64') };
}
