// A real Synapse: a room Ann made with `history` messages in it before the
// app first signs in (as Bo), so the first sync is a window and the rest comes
// by backfill, page after page, across kills. Ann keeps writing while the app
// lives; the app sends there too. The server's messages are the room's
// m.room.message events (its state events become system lines in the app,
// which are not counted).
import { Synapse } from '../../servers/synapse/harness.js';
import type { SoakSide } from './side.js';

interface RoomEvent {
  event_id: string;
  type: string;
  content: { body?: unknown };
}

export async function matrixSide(history: number): Promise<SoakSide> {
  const synapse = await Synapse.start();
  try {
    // Unique names: an external Synapse (SYNAPSE_URL) keeps users between runs.
    const tag = `${Date.now().toString(36)}${process.pid}`;
    const ann = await synapse.register(`soak-ann-${tag}`);
    const bo = await synapse.register(`soak-bo-${tag}`);
    const room = await synapse.sharedRoom(ann, bo, { name: 'Soak room', preset: 'private_chat' });
    let said = 0;
    const annSays = async (n: number) => {
      for (let i = 0; i < n; i++)
        await synapse.send(ann, room, { msgtype: 'm.text', body: `ann says ${++said}` });
    };
    await annSays(history);
    return {
      account: {
        protocol: 'matrix',
        server: synapse.url,
        username: bo.localpart,
        password: bo.password,
        sendTo: room,
      },
      write: () => annSays(3),
      async serverMessages() {
        const out = new Map<string, string>();
        const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'] }));
        let from: string | undefined;
        for (;;) {
          const page = await synapse.api<{ chunk: RoomEvent[]; end?: string }>(
            ann.accessToken,
            'GET',
            `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=1000&filter=${filter}${from ? `&from=${encodeURIComponent(from)}` : ''}`,
          );
          for (const e of page.chunk)
            if (e.type === 'm.room.message') out.set(e.event_id, String(e.content.body ?? ''));
          if (!page.end || page.chunk.length === 0) return out;
          from = page.end;
        }
      },
      counts: (row) => row.kind !== 'system',
      describe: () => ({ history, written: said }),
      close: () => synapse.stop(),
    };
  } catch (err) {
    await synapse.stop();
    throw err;
  }
}
