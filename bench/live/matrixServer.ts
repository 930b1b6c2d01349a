// bench:live's Matrix side: a real Synapse (test/servers/synapse/harness.ts)
// with `me` (Parley), `ann` (who writes) and `floor` (the bare client). Ann
// shares one room with each; she writes with a plain PUT /send.
//
// The floor is a bare long-poll /sync as `floor`, with the connector's filter,
// timeout and set_presence (main/daemon/connectors/matrix/liveAndGaps.ts),
// looping as the connector does; a message counts as seen once its response
// is read and parsed. `floor` is a user of its own, in a room of its own, so a
// send wakes exactly one client: Parley's or the floor's.
import { Synapse, type RegisteredUser } from '../../test/servers/synapse/harness.js';
import { TOKEN, epochNow } from './marks.js';
import { TokenWaiters, type LiveServer } from './sides.js';

/** The connector's defaults (MatrixConnector: timelineLimit 20, longPollMs 30 s). */
const FILTER = JSON.stringify({
  room: {
    state: { lazy_load_members: true },
    timeline: { limit: 20, lazy_load_members: true },
  },
});
const LONG_POLL_MS = 30_000;

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { content?: { body?: unknown } }[] } }> };
}

/** The bare client: /sync after /sync until stopped, reporting the bench tokens it receives. */
class BareSync {
  readonly waiters = new TokenWaiters();
  private readonly stop = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private async sync(since: string | null, timeout: number): Promise<SyncBody> {
    const query = new URLSearchParams({
      filter: FILTER,
      timeout: String(timeout),
      set_presence: 'online',
    });
    if (since) query.set('since', since);
    const res = await fetch(`${this.url}/_matrix/client/v3/sync?${query}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: this.stop.signal,
    });
    if (!res.ok) throw new Error(`floor /sync: ${res.status}`);
    return (await res.json()) as SyncBody;
  }

  /** The initial sync (the floor does not time it), then the long-poll loop in the background. */
  async start(): Promise<void> {
    let since = (await this.sync(null, 0)).next_batch;
    this.loop = (async () => {
      while (!this.stop.signal.aborted) {
        let body: SyncBody;
        try {
          body = await this.sync(since, LONG_POLL_MS);
        } catch (err) {
          if (this.stop.signal.aborted) return;
          throw err;
        }
        const at = epochNow();
        since = body.next_batch;
        for (const room of Object.values(body.rooms?.join ?? {}))
          for (const e of room.timeline?.events ?? [])
            if (typeof e.content?.body === 'string')
              for (const t of e.content.body.match(TOKEN) ?? []) this.waiters.found(t, at);
      }
    })();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop.catch(() => undefined);
  }
}

export async function startMatrixSide(): Promise<LiveServer> {
  // Presence off (as bench:matrix seeds): its updates would wake the long polls between sends.
  const synapse = await Synapse.start({ overrides: { presence: { enabled: false } } });
  try {
    const [me, ann, floor] = [
      await synapse.register('me'),
      await synapse.register('ann'),
      await synapse.register('floor'),
    ] as RegisteredUser[];
    const parleyRoom = await synapse.sharedRoom(ann!, me!, { name: 'Live room' });
    const floorRoom = await synapse.sharedRoom(ann!, floor!, { name: 'Floor room' });
    const bare = new BareSync(synapse.url, floor!.accessToken);
    await bare.start();
    const send = async (room: string, body: string) => {
      await synapse.send(ann!, room, { msgtype: 'm.text', body });
    };
    return {
      name: 'matrix',
      parleyAccount: {
        protocol: 'matrix',
        server: synapse.url,
        username: me!.localpart,
        password: me!.password,
      },
      chatName: /Live room/,
      sendToParley: (body) => send(parleyRoom, body),
      sendToFloor: (body) => send(floorRoom, body),
      floorSees: (token) => bare.waiters.wait(token),
      close: async () => {
        await bare.close();
        await synapse.stop();
      },
    };
  } catch (err) {
    await synapse.stop();
    throw err;
  }
}
