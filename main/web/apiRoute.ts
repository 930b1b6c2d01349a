// POST /api/<procedure>: one JSON body in, one ApiResult out. The daemon
// validates the input; this file only turns HTTP into a call and back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorCode, ApiResult } from '../daemon/api/contract.js';
import type { ApiClient } from './wireProtocol.js';
import { asConnection } from '../daemon/api/remoteCallPolicy.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** HTTP status for a procedure's result, so that curl users see the outcome too. */
const STATUS: Record<ApiErrorCode, number> = {
  unknown_procedure: 404,
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  not_implemented: 501,
  unsupported: 422,
  auth_failed: 422,
  keychain_unavailable: 503,
  encryption_unavailable: 422,
  unavailable: 503,
  disk_full: 507,
  integrity_failed: 502,
  internal: 500,
};

export function sendResult(res: ServerResponse, result: ApiResult<unknown>, status?: number): void {
  const body = JSON.stringify(result);
  res.writeHead(status ?? (result.ok ? 200 : STATUS[result.error.code]), {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function failure(code: ApiErrorCode, message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function serveApi(
  req: IncomingMessage,
  res: ServerResponse,
  procedure: string,
  client: ApiClient,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendResult(res, failure('invalid_input', 'use POST with a JSON body'), 405);
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      res.setHeader('Connection', 'close');
      sendResult(res, failure('invalid_input', `the body exceeds ${MAX_BODY_BYTES} bytes`), 413);
    } else res.destroy();
    return;
  }
  let input: unknown;
  try {
    const text = body.toString('utf8').trim();
    input = text === '' ? {} : JSON.parse(text);
  } catch {
    sendResult(res, failure('invalid_input', 'the body is not valid JSON'), 400);
    return;
  }
  const result = await client
    // HTTP has no connection: its callers share one watch, the last one given.
    .callRaw(procedure, asConnection(procedure, input, 'http'))
    .catch((err: unknown): ApiResult<unknown> =>
      failure('unavailable', (err as Error)?.message ?? 'the daemon failed'),
    );
  sendResult(res, result);
}
