// The crypto machine's outgoing requests (described by the binding as
// {kind, id, body, …}) as Matrix HTTP calls. The machine never touches the
// network; this is the only place its requests go out.
import * as z from 'zod';
import type { MatrixTransport } from '../transport.js';
import { enc } from '../transport.js';

const C = '/_matrix/client/v3';

export const outgoingRequestSchema = z.object({
  kind: z.enum([
    'keys_upload',
    'keys_query',
    'keys_claim',
    'to_device',
    'signature_upload',
    'room_message',
  ]),
  id: z.string(),
  body: z.unknown(),
  event_type: z.string().optional(),
  txn_id: z.string().optional(),
  room_id: z.string().optional(),
});
export type OutgoingRequest = z.infer<typeof outgoingRequestSchema>;

function route(r: OutgoingRequest): { method: string; path: string } {
  switch (r.kind) {
    case 'keys_upload':
      return { method: 'POST', path: `${C}/keys/upload` };
    case 'keys_query':
      return { method: 'POST', path: `${C}/keys/query` };
    case 'keys_claim':
      return { method: 'POST', path: `${C}/keys/claim` };
    case 'signature_upload':
      return { method: 'POST', path: `${C}/keys/signatures/upload` };
    case 'to_device':
      return {
        method: 'PUT',
        path: `${C}/sendToDevice/${enc(r.event_type ?? '')}/${enc(r.txn_id ?? r.id)}`,
      };
    case 'room_message':
      return {
        method: 'PUT',
        path: `${C}/rooms/${enc(r.room_id ?? '')}/send/${enc(r.event_type ?? '')}/${enc(r.txn_id ?? r.id)}`,
      };
    default: {
      const never: never = r.kind;
      throw new Error(`unknown crypto request ${String(never)}`);
    }
  }
}

/** Sends one request; returns the server's answer as JSON text for the machine. */
export async function sendCryptoRequest(
  transport: MatrixTransport,
  r: OutgoingRequest,
  signal: AbortSignal,
): Promise<string> {
  const { method, path } = route(r);
  const answer = await transport.json(method, path, z.unknown(), { body: r.body, signal });
  return JSON.stringify(answer ?? {});
}
