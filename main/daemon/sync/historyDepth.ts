// The history depth (a per-account setting, in days) applied to backfill
// without any connector knowing about it: a backfill batch that reaches past
// the cutoff ends that chat's backfill by setting its per-chat cursor to
// 'done' (the contract in connectors/connector.ts), in the same transaction
// as the batch. The loop then restarts the connector's backfill, which skips
// chats that are done.
import type { SyncBatch } from '../model/types.js';
import { BACKFILL_STREAM_PREFIX } from '../connectors/connector.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The oldest time backfill must reach, or null for the whole history. */
export function historyCutoff(historyDays: number | null, now = Date.now()): number | null {
  return historyDays === null ? null : now - historyDays * DAY_MS;
}

/** Marks chats whose batch went past the cutoff as done; true when any was. */
export function endChatsPastCutoff(batch: SyncBatch, cutoffMs: number): boolean {
  let ended = false;
  for (const [stream, cursor] of Object.entries(batch.cursors ?? {})) {
    if (!stream.startsWith(BACKFILL_STREAM_PREFIX) || cursor === 'done') continue;
    const chat = stream.slice(BACKFILL_STREAM_PREFIX.length);
    if ((batch.messages ?? []).some((m) => m.chatRemoteId === chat && m.ts < cutoffMs)) {
      batch.cursors![stream] = 'done';
      ended = true;
    }
  }
  return ended;
}
