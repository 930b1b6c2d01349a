// The floor under both clients: the same requests as bare HTTP, no client work
// (the response body is read; JSON is parsed only where the next request needs
// a token from it).
import type { Synapse } from '../../test/servers/synapse/harness.js';
import { C } from './seed.js';

export function syncFilter(timelineLimit: number) {
  return {
    room: {
      state: { lazy_load_members: true },
      timeline: { limit: timelineLimit, lazy_load_members: true },
    },
  };
}

export interface Session {
  token: string;
  deviceId: string;
  userId: string;
}

export async function login(synapse: Synapse, device: string, user = 'bench'): Promise<Session> {
  const res = await fetch(`${synapse.url}${C}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password: `pw-${user}`,
      initial_device_display_name: device,
    }),
  });
  const body = (await res.json()) as { access_token: string; device_id: string; user_id: string };
  if (!res.ok) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return { token: body.access_token, deviceId: body.device_id, userId: body.user_id };
}

async function get(synapse: Synapse, token: string, path: string): Promise<Response> {
  const res = await fetch(`${synapse.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`GET ${path.split('?')[0]} → ${res.status}`);
  return res;
}

/** An initial /sync (a fresh device, so nothing is cached for it), seconds. */
export async function bareInitialSync(synapse: Synapse, timelineLimit: number): Promise<number> {
  const session = await login(synapse, `bare-${Date.now()}`);
  const q = `filter=${encodeURIComponent(JSON.stringify(syncFilter(timelineLimit)))}`;
  const t0 = performance.now();
  await (await get(synapse, session.token, `${C}/sync?${q}`)).arrayBuffer();
  return (performance.now() - t0) / 1000;
}

interface SyncBody {
  rooms?: { join?: Record<string, { timeline?: { limited?: boolean; prev_batch?: string } }> };
}

/**
 * A catch-up from `since`: the /sync alone (what the SDK fetches), then the
 * /messages pages that fill each limited timeline back to `since`, as
 * Parley's connector pages them (`pageSize` events, lazy members).
 */
export async function bareCatchup(
  synapse: Synapse,
  token: string,
  since: string,
  timelineLimit: number,
  pageSize: number,
): Promise<{ sync_s: number; sync_and_gaps_s: number; gap_pages: number }> {
  const q = `filter=${encodeURIComponent(JSON.stringify(syncFilter(timelineLimit)))}&since=${encodeURIComponent(since)}&timeout=0`;
  const t0 = performance.now();
  const text = await (await get(synapse, token, `${C}/sync?${q}`)).text();
  const syncS = (performance.now() - t0) / 1000;
  const body = JSON.parse(text) as SyncBody;
  let pages = 0;
  for (const [roomId, room] of Object.entries(body.rooms?.join ?? {})) {
    let from = room.timeline?.limited ? room.timeline.prev_batch : undefined;
    while (from) {
      const path = `${C}/rooms/${encodeURIComponent(roomId)}/messages?dir=b&from=${encodeURIComponent(from)}&to=${encodeURIComponent(since)}&limit=${pageSize}&filter=${encodeURIComponent(JSON.stringify({ lazy_load_members: true }))}`;
      const page = (await (await get(synapse, token, path)).json()) as {
        chunk: unknown[];
        end?: string;
      };
      pages++;
      if (page.chunk.length === 0 || !page.end || page.end === from) break;
      from = page.end;
    }
  }
  return { sync_s: syncS, sync_and_gaps_s: (performance.now() - t0) / 1000, gap_pages: pages };
}
