// messages.id is derived from the message time so that rowid order is time
// order in the messages table and in both FTS indexes, whenever a message
// arrives (live, initial sync or backfill). Newest-first queries can then walk
// an index backwards and stop after a page.
//
// key = ts_ms * 1024 + slot. Slots separate messages of the same millisecond;
// the result stays below 2^53 until the year 2248, so it is exact in JS.

export const SLOTS_PER_MS = 1024;

export function baseKey(tsMs: number): number {
  const ts = Math.max(0, Math.min(Math.floor(tsMs), 8_000_000_000_000));
  return ts * SLOTS_PER_MS;
}

/** A stable first slot for a message, so that replays pick the same key. */
export function preferredSlot(remoteId: string): number {
  let h = 2166136261;
  for (let i = 0; i < remoteId.length; i++) {
    h ^= remoteId.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % SLOTS_PER_MS;
}

export function keyToTs(key: number): number {
  return Math.floor(key / SLOTS_PER_MS);
}

/** Smallest key at or after this instant: `id >= tsLowerBound(t)` means ts >= t. */
export function tsLowerBound(tsMs: number): number {
  return baseKey(tsMs);
}
