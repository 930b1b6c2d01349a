// Where Parley's client time goes in one initial sync: V8's sampling profiler,
// run in the client's own process over the same span as its clock, and each
// sample charged to the stage of the nearest function on its stack that names
// one (the functions below are the sync path's own, as esbuild keeps them).
// A sample in SQLite's C code is charged to the JS function that called it, so
// `sql_*` stages hold SQLite's work (the word index is its own statement).
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Stage by function name, looked for from the sample's own frame towards the
 * root: the first name found decides (so `json_parse` inside `parseWire`'s
 * caller is parse, not zod). Names are matched without esbuild's numeric
 * suffix (`fetch2` → `fetch`).
 */
const STAGE_OF: Record<string, string> = {
  // HTTP: undici (loaded on the first fetch), the request, the body read.
  timedFetch: 'http',
  readText: 'http',
  // The body as text → objects.
  parseJson: 'json_parse',
  // zod over the whole /sync response.
  parseWire: 'zod_validate',
  parseResponse: 'zod_validate',
  // Push rules: which events notify and mention us.
  evaluatePush: 'push_rules',
  mentions: 'mentions',
  // The rest of mapping /sync into one batch.
  mapSync: 'map',
  mapSyncDecrypted: 'map',
  // The batch writer: the word index's INSERT, its text preparation.
  add: 'sql_word_index',
  replace: 'sql_word_index',
  // …the message rows (and their key), change records, chats and members.
  upsertMessage: 'sql_messages',
  freeKey: 'sql_messages',
  applyInTransaction: 'sql_other',
  apply: 'sql_other',
  // Opening the fresh profile (schema, migrations) and closing it.
  open: 'store_open',
  close: 'store_close',
  // whoami and profile before /sync (their HTTP is `http`).
  startSession: 'session_start',
};

/** Starts sampling every `intervalUs`; the returned function stops and returns the profile. */
export async function startProfiler(intervalUs = 100): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    return profile;
  };
}

/** Milliseconds per stage; `idle` is time the thread waited (on the server, mostly). */
export function stagesOf(profile: CpuProfile): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOfNode = new Map<number, string>();
  const stage = (id: number): string => {
    const known = stageOfNode.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const name = n.callFrame.functionName.replace(/\d+$/, '');
    const own =
      name === '(idle)'
        ? 'idle'
        : name === '(garbage collector)'
          ? 'gc'
          : name === '(program)'
            ? 'v8_other'
            : name === 'parse' && n.callFrame.url === ''
              ? 'json_parse'
              : // Builtins (Set.add, Function.apply…) have no URL: only our code names a stage.
                n.callFrame.url && Object.hasOwn(STAGE_OF, name)
                ? STAGE_OF[name]
                : undefined;
    const p = parent.get(id);
    const s = own ?? (p === undefined ? 'other' : stage(p));
    stageOfNode.set(id, s);
    return s;
  };
  const ms: Record<string, number> = {};
  // timeDeltas[i] is the time since the previous sample: sample i ran for the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    const s = stage(profile.samples[i]!);
    ms[s] = (ms[s] ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000;
  }
  for (const k of Object.keys(ms)) ms[k] = Math.round(ms[k]! * 10) / 10;
  return Object.fromEntries(Object.entries(ms).sort((a, b) => b[1] - a[1]));
}
