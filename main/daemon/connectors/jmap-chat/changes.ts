// A type's changes since its committed state, as pages of (changed objects,
// gone ids, new state) — the one shape sync.ts turns into batches. Two ways to
// read them:
// - changedObjects: X/changes, then X/get of what it named; a request each,
//   page after page while hasMoreChanges.
// - changesTogether: the first page of every type a catch-up needs in ONE
//   request: per type X/changes, then two X/get whose ids are result
//   references (RFC 8620 §3.7) to that answer's /created and /updated (a
//   JSON Pointer names one place, so created and updated cannot share a
//   /get). A pushed message moves Chat and Message: one round trip instead
//   of four, and the push-to-screen time is mostly round trips.
// Either way a type's pages come out the same: ids destroyed are gone even
// when a /get still returns them, ids a /get reports notFound are gone too.
import { ProtocolError } from '../errors.js';
import { changesFailure, ref, type JmapResponse } from '../jmap/client.js';
import { ChangesResponseSchema, GetResponseSchema } from '../jmap/wire.js';
import type { Invocation } from '../jmap/wire.js';
import type { ConnectorContext } from '../connector.js';
import type { ChatSession } from './transport.js';

export interface ChangedPage {
  list: Record<string, unknown>[];
  gone: string[];
  state: string;
}

/** Where a type's pages come from (its catch-up consumes them in order). */
export type ChangedPages = AsyncIterable<ChangedPage>;

/** Changes per page: a page holds at most this many ids (distinct created/updated/destroyed). */
export const MAX_CHANGES = 256;

/** A type's changes since `since` as pages, one /changes and one /get request per page. */
export async function* changedObjects(
  ctx: ConnectorContext,
  s: ChatSession,
  type: string,
  since: string,
): AsyncGenerator<ChangedPage> {
  for await (const page of s.client.changes(type, s.accountId, since, {
    maxChanges: MAX_CHANGES,
    signal: ctx.signal,
  })) {
    const destroyed = new Set(page.destroyed);
    const ids = [...new Set([...page.created, ...page.updated])].filter((i) => !destroyed.has(i));
    const got = ids.length
      ? await s.client.get(type, s.accountId, ids, {}, ctx.signal)
      : { list: [], notFound: [] };
    yield { list: got.list, gone: [...destroyed, ...got.notFound], state: page.newState };
  }
}

/** A /changes and its two /gets: three calls per type, which must share a request. */
const CALLS_PER_TYPE = 3;
const callIds = (type: string) => ({
  changes: `${type}:changes`,
  created: `${type}:created`,
  updated: `${type}:updated`,
});

/**
 * The pages of every type in `since` (type → its committed state), each
 * type's first page read in one shared request (several when the server's
 * maxCallsInRequest cannot hold every type's three calls; none when it cannot
 * hold even one type's: then today's way, changedObjects). The answers are
 * read lazily, type by type as the caller consumes them, so a type whose
 * /changes failed (cannotCalculateChanges: a method error inside the request)
 * throws only when that type's turn comes, after the types before it have
 * been delivered; the others' answers are not lost.
 */
export async function changesTogether(
  ctx: ConnectorContext,
  s: ChatSession,
  since: ReadonlyMap<string, string>,
): Promise<Map<string, ChangedPages>> {
  const types = [...since.keys()];
  const perRequest = Math.floor(s.client.session.core.maxCallsInRequest / CALLS_PER_TYPE);
  const out = new Map<string, ChangedPages>();
  if (types.length === 0 || perRequest === 0) return out;
  const groups: string[][] = [];
  for (let i = 0; i < types.length; i += perRequest) groups.push(types.slice(i, i + perRequest));
  const answers = await Promise.all(
    groups.map((group) =>
      s.client.request(
        group.flatMap((type) => calls(s.accountId, type, since.get(type)!)),
        ctx.signal,
      ),
    ),
  );
  groups.forEach((group, i) => {
    for (const type of group)
      out.set(type, answeredPages(ctx, s, type, since.get(type)!, answers[i]!));
  });
  return out;
}

function calls(accountId: string, type: string, since: string): Invocation[] {
  const id = callIds(type);
  const changes = `${type}/changes`;
  return [
    [changes, { accountId, sinceState: since, maxChanges: MAX_CHANGES }, id.changes],
    [`${type}/get`, { accountId, '#ids': ref(id.changes, changes, '/created') }, id.created],
    [`${type}/get`, { accountId, '#ids': ref(id.changes, changes, '/updated') }, id.updated],
  ];
}

/**
 * One type's pages from the shared answer: its first page, then, when the
 * server had more than one page of changes, the rest as changedObjects reads
 * them (from the first page's new state). Exported for the unit test of
 * answers the reference server cannot be made to give.
 */
export async function* answeredPages(
  ctx: ConnectorContext,
  s: ChatSession,
  type: string,
  since: string,
  r: JmapResponse,
): AsyncGenerator<ChangedPage> {
  const id = callIds(type);
  const method = `${type}/changes`;
  let page;
  try {
    page = r.parse(id.changes, method, ChangesResponseSchema);
  } catch (err) {
    throw changesFailure(type, since, err);
  }
  const destroyed = new Set(page.destroyed);
  const wanted = [...new Set([...page.created, ...page.updated])].filter((i) => !destroyed.has(i));
  let list: Record<string, unknown>[];
  let notFound: string[];
  if (r.errorType(id.created) !== null || r.errorType(id.updated) !== null) {
    // A /get the request could not answer (more ids than maxObjectsInGet, a
    // server that failed it): asked again on its own, split by the client.
    ({ list, notFound } = wanted.length
      ? await s.client.get(type, s.accountId, wanted, {}, ctx.signal)
      : { list: [], notFound: [] });
  } else {
    const created = r.parse(id.created, `${type}/get`, GetResponseSchema);
    const updated = r.parse(id.updated, `${type}/get`, GetResponseSchema);
    // An id both created and updated (or destroyed) is one object, or none.
    const seen = new Set<string>();
    list = [...created.list, ...updated.list].filter((o) => {
      if (destroyed.has(o.id) || seen.has(o.id)) return false;
      seen.add(o.id);
      return true;
    });
    notFound = [...new Set([...(created.notFound ?? []), ...(updated.notFound ?? [])])].filter(
      (i) => !destroyed.has(i),
    );
  }
  yield { list, gone: [...destroyed, ...notFound], state: page.newState };
  if (!page.hasMoreChanges) return;
  if (page.newState === since)
    throw new ProtocolError(`${method}: hasMoreChanges without progress from state ${since}`);
  yield* changedObjects(ctx, s, type, page.newState);
}
