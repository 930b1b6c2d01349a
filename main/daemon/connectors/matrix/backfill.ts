// Older history, room by room: /messages backwards from the token the initial
// sync left in `backfill:<room>`, until the room's creation, the configured
// depth, or the server's end; each page is a batch carrying the next token.
import type { ConnectorContext } from '../connector.js';
import type { SyncBatch } from '../../model/types.js';
import { accountCrypto, C, type MatrixAccount, type MatrixOptions } from './account.js';
import { decryptEvents, startPass } from './crypto/timelineCrypto.js';
import { joinedRoomsSchema, type MessagesResponse, type RoomEvent } from './wire.js';
import { localpart } from './mapping/common.js';
import { mapRoomEvents } from './mapping/messages.js';
import { olderMessages } from './history.js';
import { backfillStream, compact, emptyBatch, loadRoomInfo } from './syncMapper.js';

export async function* backfill(
  ctx: ConnectorContext,
  a: MatrixAccount,
  opts: MatrixOptions,
): AsyncGenerator<SyncBatch> {
  const { joined_rooms } = await a.transport.json('GET', `${C}/joined_rooms`, joinedRoomsSchema, {
    signal: ctx.signal,
  });
  for (const roomId of joined_rooms) {
    const stream = backfillStream(roomId);
    const cursor = ctx.cursor(stream);
    if (cursor === null || cursor === 'done') continue;
    let from: string = cursor;
    const info = loadRoomInfo(ctx, roomId);
    if (!info || info.isSpace) {
      yield { cursors: { [stream]: 'done' } };
      continue;
    }
    let fetched = 0;
    while (!ctx.signal.aborted) {
      const res: MessagesResponse = await olderMessages(ctx, a, roomId, {
        from,
        limit: opts.pageSize,
      });
      const names = memberNames(res.state ?? []);
      const chronological = [...res.chunk].reverse();
      const crypto = await accountCrypto(ctx, a);
      const pass = crypto ? startPass(ctx) : null;
      if (crypto && pass) await decryptEvents(crypto, pass, roomId, chronological);
      const mapped = mapRoomEvents(
        roomId,
        chronological,
        a.mapping,
        (u) => names.get(u) ?? localpart(u),
        info,
      );
      for (const m of mapped.messages)
        if (m.senderRemoteId && names.has(m.senderRemoteId))
          m.senderName = names.get(m.senderRemoteId);
      fetched += res.chunk.length;
      const done =
        mapped.hasCreate || !res.end || res.chunk.length === 0 || fetched >= opts.backfillDepth;
      // Relations whose message is on an older page wait in the store until it arrives.
      const batch = emptyBatch();
      batch.messages = mapped.messages;
      batch.edits = mapped.edits;
      batch.deletions = mapped.deletions;
      batch.reactionsAdded = mapped.reactionsAdded;
      batch.reactionsRemoved = mapped.reactionsRemoved;
      batch.cursors[stream] = done ? 'done' : res.end!;
      const out = compact(batch);
      pass?.applyTo(out, a.mapping, ctx);
      yield out;
      if (done) break;
      from = res.end!;
    }
  }
}

function memberNames(state: RoomEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of state)
    if (e.type === 'm.room.member' && e.state_key && typeof e.content.displayname === 'string')
      names.set(e.state_key, e.content.displayname);
  return names;
}
