// The /sync request (catch-up and long-poll) and the gaps it leaves: a
// limited timeline in a catch-up skipped events, which /messages fetches back
// to the previous sync token before the sync cursor moves past them.
import type { ConnectorContext } from '../connector.js';
import type { SplitAt } from '../http/index.js';
import type { SyncBatch } from '../../model/types.js';
import {
  C,
  chosenPresence,
  presenceKey,
  startSession,
  type MatrixAccount,
  type MatrixOptions,
} from './account.js';
import {
  syncResponseSchema,
  type MessagesResponse,
  type RoomEvent,
  type SyncResponse,
} from './wire.js';
import { mapSyncDecrypted } from './crypto/timelineCrypto.js';
import { olderMessages } from './history.js';

/**
 * A /sync answer's rooms are parsed one at a time as the body streams in: an
 * initial sync of a big account is tens of megabytes of text, which would
 * otherwise be held whole as bytes, as a string and as objects at once.
 */
const syncSplitAt: SplitAt = (path) => path.length === 3 && path[0] === 'rooms';

/**
 * Above the kit's 64 MiB: an account in thousands of rooms has an initial
 * sync that large (~20 KB a room at a 20-event timeline), and streamed, the
 * text costs nothing held; its parsed rooms are what it costs.
 */
const SYNC_MAX_BYTES = 256 * 1024 * 1024;

/** One /sync (long-polling `timeout` ms), its gaps filled when it continues from `since`. */
export async function fetchSync(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
  since: string | null,
  timeout: number,
): Promise<SyncResponse> {
  const filter = {
    room: {
      state: { lazy_load_members: true },
      timeline: { limit: opts.timelineLimit, lazy_load_members: true },
    },
  };
  const res = await a.transport.json('GET', `${C}/sync`, syncResponseSchema, {
    signal: ctx.signal,
    timeoutMs: timeout + 30_000,
    splitAt: syncSplitAt,
    maxBytes: SYNC_MAX_BYTES,
    query: {
      filter: JSON.stringify(filter),
      since: since ?? undefined,
      timeout,
      set_presence: chosenPresence.get(presenceKey(a.session)) ?? 'online',
    },
  });
  if (since !== null) await fillGaps(ctx, a, opts, res, since);
  return res;
}

/** Live updates: long-polling /sync until ctx.signal aborts. */
export async function* live(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
): AsyncGenerator<SyncBatch> {
  await startSession(ctx, a);
  while (!ctx.signal.aborted) {
    const batch = await nextLiveBatch(ctx, a, opts);
    if (batch) yield batch;
  }
}

/**
 * One long-poll mapped to its batch (null once aborted), in a function of its
 * own so the parsed answer is not held by the generator while its batch is
 * applied.
 */
async function nextLiveBatch(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
): Promise<SyncBatch | null> {
  const res = await fetchSync(ctx, a, opts, ctx.cursor('sync'), opts.longPollMs);
  if (ctx.signal.aborted) return null;
  return mapSyncDecrypted(ctx, a, res);
}

/**
 * A limited timeline in a catch-up sync skipped events: fetch them with
 * /messages from prev_batch back to the previous sync token, before the
 * sync cursor moves past them.
 */
async function fillGaps(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
  res: SyncResponse,
  since: string,
): Promise<void> {
  for (const [roomId, room] of Object.entries(res.rooms?.join ?? {})) {
    const t = room.timeline;
    if (!t?.limited || !t.prev_batch) continue;
    const missing: RoomEvent[] = [];
    const state: RoomEvent[] = [];
    let from: string | undefined = t.prev_batch;
    for (let page = 0; from && page < opts.maxGapPages; page++) {
      const r: MessagesResponse = await olderMessages(ctx, a, roomId, {
        from,
        to: since,
        limit: opts.pageSize,
      });
      missing.push(...r.chunk);
      state.push(...(r.state ?? []));
      if (r.chunk.length === 0 || !r.end || r.end === from) break;
      from = r.end;
    }
    if (from && missing.length >= opts.maxGapPages * opts.pageSize)
      ctx.log(`room gap larger than ${missing.length} events; the rest comes with backfill`);
    t.events = [...missing.reverse(), ...(t.events ?? [])];
    room.state = {
      ...room.state,
      events: [...state.filter((e) => e.type === 'm.room.member'), ...(room.state?.events ?? [])],
    };
  }
}
