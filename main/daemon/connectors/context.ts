// Builds the ConnectorContext the sync loop, the outbox sender and one-off API
// calls hand to a connector: typed state on top of the raw cursor table.
import type { z } from 'zod';
import type { ConnectorContext } from './connector.js';
import type { SecurityEvent } from '../model/security.js';
import { PermanentError } from './errors.js';

export interface ContextParts {
  account: ConnectorContext['account'];
  secret: string;
  signal: AbortSignal;
  cursor(stream: string): string | null;
  openBlob(sha256: string): AsyncIterable<Uint8Array>;
  /** The sync loop's context reads them from the store; others have none to give. */
  heldRemoteIds?: ConnectorContext['heldRemoteIds'];
  log(message: string): void;
  security?(event: SecurityEvent): void;
}

export function connectorContext(parts: ContextParts): ConnectorContext {
  return {
    heldRemoteIds: noHeldRemoteIds,
    ...parts,
    state: (key, schema) => readState(parts.cursor(key), schema),
  };
}

/** For contexts that never sync (writes, downloads, sign-in): asking is a bug, not an empty store. */
function noHeldRemoteIds(kind: string): string[] {
  throw new Error(`this context cannot read what the store holds (asked for ${kind})`);
}

/** A state value as the batch writer stored it (JSON), parsed; null when unset or unreadable. */
export function readState<T>(raw: string | null, schema: z.ZodType<T>): T | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** For contexts that never write (logout, downloads): no blob is ever read. */
export function noBlobs(sha256: string): AsyncIterable<Uint8Array> {
  throw new Error(`this context reads no blobs (asked for ${sha256.slice(0, 8)}…)`);
}

/**
 * Reads a whole blob (attachments the protocol uploads in one request). A blob
 * that is gone never comes back: a PermanentError, not a retry.
 */
export async function blobBytes(ctx: ConnectorContext, sha256: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of ctx.openBlob(sha256)) chunks.push(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PermanentError('the file to send is no longer in the blob store');
    throw err;
  }
  return Buffer.concat(chunks);
}
