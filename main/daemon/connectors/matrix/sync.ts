// Initial sync and catch-up: one /sync from the committed token (none on the
// first run), mapped to one batch that carries the next token.
import type { ConnectorContext } from '../connector.js';
import type { SyncBatch } from '../../model/types.js';
import { startSession, type MatrixAccount, type MatrixOptions } from './account.js';
import { fetchSync } from './liveAndGaps.js';
import { mapSyncDecrypted } from './crypto/timelineCrypto.js';

export async function* sync(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
): AsyncGenerator<SyncBatch> {
  yield await initialBatch(ctx, a, opts);
}

/**
 * The /sync mapped to its batch. A function of its own so that the parsed
 * answer is not a local of the generator above, alive while the engine
 * applies the batch: only what the batch took from it stays.
 */
async function initialBatch(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
): Promise<SyncBatch> {
  // whoami and the profile go out beside the /sync, not before it: the
  // server works on all three at once, and nothing is mapped until the
  // session is checked (a revoked token fails both the same way).
  const [self, res] = await Promise.all([
    startSession(ctx, a),
    fetchSync(ctx, a, opts, ctx.cursor('sync'), 0),
  ]);
  const batch = await mapSyncDecrypted(ctx, a, res);
  if (self) batch.people = [self, ...(batch.people ?? [])];
  return batch;
}
