// RFC 8620 standard methods over the Store: /get (§5.1), /changes (§5.2),
// /set with PatchObjects and creation-id references (§5.3), /query (§5.5) and
// /queryChanges (§5.6), plus the method and SetError types they throw.
import { ChangesUnavailable, type DataType, type Obj, type Store, type User } from './store.js';

/** A method-level error (RFC 8620 §3.6.2). */
export class MethodError extends Error {
  constructor(
    readonly type: string,
    description?: string,
    readonly extra: Obj = {},
  ) {
    super(description ?? type);
  }
  toJSON(): Obj {
    return {
      type: this.type,
      ...(this.message !== this.type ? { description: this.message } : {}),
      ...this.extra,
    };
  }
}

/** A per-object /set error (RFC 8620 §5.3 SetError). */
export class SetErr extends Error {
  constructor(
    readonly type: string,
    description?: string,
    readonly extra: Obj = {},
  ) {
    super(description ?? type);
  }
  toJSON(): Obj {
    return {
      type: this.type,
      ...(this.message !== this.type ? { description: this.message } : {}),
      ...this.extra,
    };
  }
}

export interface ServerLimits {
  maxObjectsInGet: number;
  maxObjectsInSet: number;
}

export interface MethodCtx {
  store: Store;
  user: User;
  using: Set<string>;
  /** Creation id → server id, for the whole request (RFC 8620 §3.3 createdIds). */
  createdIds: Map<string, string>;
  limits: ServerLimits;
}

// ---- small validators ----

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isUtcDate = (v: unknown): v is string =>
  typeof v === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) &&
  !Number.isNaN(Date.parse(v));

/** Resolves "#creationId" (RFC 8620 §5.3) to the id created earlier in the request. */
export function resolveId(ctx: MethodCtx, id: unknown): string {
  if (typeof id !== 'string') throw new MethodError('invalidArguments', 'an id must be a string');
  if (id.startsWith('#')) {
    const real = ctx.createdIds.get(id.slice(1));
    if (!real) throw new SetErr('notFound', `no object was created as ${id}`);
    return real;
  }
  return id;
}

/** Resolves creation-id references in the id-valued properties of a create/update object. */
export function resolveRefs(ctx: MethodCtx, value: unknown, key = ''): unknown {
  if (typeof value === 'string' && value.startsWith('#') && /Id$|Ids$|^id$|^replyTo$/.test(key))
    return resolveId(ctx, value);
  if (Array.isArray(value)) return value.map((v) => resolveRefs(ctx, v, key));
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(ctx, v, k)]));
  return value;
}

function requireAccount(ctx: MethodCtx, args: Obj): void {
  if (args.accountId !== ctx.user.id)
    throw new MethodError('accountNotFound', `no account ${String(args.accountId)}`);
}

// ---- /get ----

export function stdGet(
  ctx: MethodCtx,
  type: DataType,
  args: Obj,
  views: Map<string, Obj>,
  extra?: (id: string) => Obj | null,
): Obj {
  requireAccount(ctx, args);
  const ids = args.ids;
  let list: Obj[];
  const notFound: string[] = [];
  if (ids === null || ids === undefined) list = [...views.values()];
  else {
    if (!Array.isArray(ids)) throw new MethodError('invalidArguments', 'ids must be an array');
    if (ids.length > ctx.limits.maxObjectsInGet)
      throw new MethodError('requestTooLarge', `at most ${ctx.limits.maxObjectsInGet} ids`);
    list = [];
    for (const raw of ids) {
      let id: string;
      try {
        id = resolveId(ctx, raw);
      } catch {
        notFound.push(String(raw));
        continue;
      }
      const v = views.get(id) ?? extra?.(id) ?? null;
      if (v) list.push(v);
      else notFound.push(id);
    }
  }
  const properties = args.properties;
  if (properties !== null && properties !== undefined) {
    if (!Array.isArray(properties))
      throw new MethodError('invalidArguments', 'properties must be an array');
    const known = new Set(list.flatMap((v) => Object.keys(v)));
    const unknown = properties.filter(
      (p) => typeof p !== 'string' || (list.length && !known.has(p)),
    );
    if (unknown.length)
      throw new MethodError('invalidArguments', `unknown properties: ${unknown.join(', ')}`);
    list = list.map((v) =>
      Object.fromEntries(Object.entries(v).filter(([k]) => k === 'id' || properties.includes(k))),
    );
  }
  return { accountId: ctx.user.id, state: ctx.store.state(ctx.user.id, type), list, notFound };
}

// ---- /changes ----

export function stdChanges(ctx: MethodCtx, type: DataType, args: Obj): Obj {
  requireAccount(ctx, args);
  const maxChanges = args.maxChanges;
  if (
    maxChanges !== undefined &&
    maxChanges !== null &&
    (typeof maxChanges !== 'number' || !Number.isInteger(maxChanges) || maxChanges <= 0)
  )
    throw new MethodError('invalidArguments', 'maxChanges must be a positive integer');
  try {
    return {
      accountId: ctx.user.id,
      ...ctx.store.changesSince(
        ctx.user.id,
        type,
        args.sinceState,
        (maxChanges as number | null) ?? null,
      ),
    };
  } catch (err) {
    if (err instanceof ChangesUnavailable)
      throw new MethodError(
        'cannotCalculateChanges',
        `cannot calculate ${type} changes since ${JSON.stringify(args.sinceState)}`,
      );
    throw err;
  }
}

// ---- /query and /queryChanges ----

export interface QuerySpec {
  /** Returns whether an object matches one filter condition; throws unsupportedFilter. */
  match(view: Obj, condition: Obj): boolean;
  /** Checks the filter as a whole before matching (e.g. Message/query needs chatId). */
  check?(filter: Obj | null): void;
  sorts: Record<string, (a: Obj, b: Obj) => number>;
  defaultSort(filter: Obj | null): { property: string; isAscending: boolean }[];
  /** Extra candidates beyond the account's views (public Spaces). */
  extra?(filter: Obj | null): Obj[];
}

function matches(spec: QuerySpec, view: Obj, filter: Obj): boolean {
  if ('operator' in filter) {
    const conds = filter.conditions;
    if (!Array.isArray(conds)) throw new MethodError('unsupportedFilter', 'conditions missing');
    const results = conds.map((c) => {
      if (!isObj(c)) throw new MethodError('unsupportedFilter', 'bad condition');
      return matches(spec, view, c);
    });
    if (filter.operator === 'AND') return results.every(Boolean);
    if (filter.operator === 'OR') return results.some(Boolean);
    if (filter.operator === 'NOT') return !results.some(Boolean);
    throw new MethodError('unsupportedFilter', `unknown operator ${String(filter.operator)}`);
  }
  return spec.match(view, filter);
}

function results(ctx: MethodCtx, spec: QuerySpec, args: Obj, views: Map<string, Obj>): string[] {
  const filter = (args.filter === undefined ? null : resolveRefs(ctx, args.filter)) as Obj | null;
  if (filter !== null && !isObj(filter))
    throw new MethodError('invalidArguments', 'filter must be an object');
  spec.check?.(filter);
  let list = [...views.values(), ...(spec.extra?.(filter) ?? [])];
  if (filter) list = list.filter((v) => matches(spec, v, filter));
  const sort = args.sort ?? spec.defaultSort(filter);
  if (!Array.isArray(sort)) throw new MethodError('invalidArguments', 'sort must be an array');
  const comparators = sort.map((s) => {
    if (!isObj(s) || typeof s.property !== 'string')
      throw new MethodError('invalidArguments', 'bad sort');
    const cmp = spec.sorts[s.property];
    if (!cmp) throw new MethodError('unsupportedSort', `cannot sort by ${s.property}`);
    const dir = s.isAscending === false ? -1 : 1;
    return (a: Obj, b: Obj) => dir * cmp(a, b);
  });
  list.sort((a, b) => {
    for (const c of comparators) {
      const r = c(a, b);
      if (r) return r;
    }
    return (a.id as string) < (b.id as string) ? -1 : (a.id as string) > (b.id as string) ? 1 : 0;
  });
  return list.map((v) => v.id as string);
}

const MAX_LIMIT = 1000;

export function stdQuery(
  ctx: MethodCtx,
  type: DataType,
  args: Obj,
  views: Map<string, Obj>,
  spec: QuerySpec,
): Obj {
  requireAccount(ctx, args);
  const ids = results(ctx, spec, args, views);
  let position = typeof args.position === 'number' ? Math.trunc(args.position) : 0;
  if (args.anchor !== undefined && args.anchor !== null) {
    const i = ids.indexOf(String(args.anchor));
    if (i < 0) throw new MethodError('anchorNotFound');
    position = Math.max(0, i + (typeof args.anchorOffset === 'number' ? args.anchorOffset : 0));
  } else if (position < 0) position = Math.max(0, ids.length + position);
  let limit = typeof args.limit === 'number' ? args.limit : MAX_LIMIT;
  if (limit < 0) throw new MethodError('invalidArguments', 'limit must not be negative');
  const capped = limit > MAX_LIMIT;
  limit = Math.min(limit, MAX_LIMIT);
  const out: Obj = {
    accountId: ctx.user.id,
    queryState: ctx.store.state(ctx.user.id, type),
    canCalculateChanges: true,
    position,
    ids: ids.slice(position, position + limit),
  };
  if (args.calculateTotal) out.total = ids.length;
  if (capped) out.limit = MAX_LIMIT;
  return out;
}

export function stdQueryChanges(
  ctx: MethodCtx,
  type: DataType,
  args: Obj,
  views: Map<string, Obj>,
  spec: QuerySpec,
): Obj {
  requireAccount(ctx, args);
  const changed = ctx.store.idsChangedSince(ctx.user.id, type, args.sinceQueryState);
  if (!changed)
    throw new MethodError(
      'cannotCalculateChanges',
      `cannot calculate query changes since ${JSON.stringify(args.sinceQueryState)}`,
    );
  const ids = results(ctx, spec, args, views);
  // Every changed id may have left or moved: it is reported removed, and added
  // again where it now is (RFC 8620 §5.6 allows this over-reporting).
  const removed = [...changed];
  const added = ids.flatMap((id, index) => (changed.has(id) ? [{ id, index }] : []));
  if (typeof args.maxChanges === 'number' && removed.length + added.length > args.maxChanges)
    throw new MethodError('tooManyChanges');
  const out: Obj = {
    accountId: ctx.user.id,
    oldQueryState: args.sinceQueryState,
    newQueryState: ctx.store.state(ctx.user.id, type),
    removed,
    added,
  };
  if (args.calculateTotal) out.total = ids.length;
  return out;
}

// ---- PatchObject (RFC 8620 §5.3) ----

/** Applies a PatchObject to a copy of `view`; a bad pointer is an invalidPatch SetError. */
export function applyPatch(view: Obj, patch: Obj): Obj {
  const out = structuredClone(view);
  for (const [pointer, value] of Object.entries(patch)) {
    const parts = pointer.split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let target: Obj = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = target[parts[i]!];
      if (!isObj(next)) throw new SetErr('invalidPatch', `no object at ${pointer}`);
      target = next;
    }
    const last = parts[parts.length - 1]!;
    if (parts.length > 1 && value === null) delete target[last];
    else target[last] = value;
  }
  return out;
}

/** Top-level properties whose values differ between two views. */
export function changedProps(before: Obj, after: Obj): Obj {
  const out: Obj = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)]))
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = after[k];
  return out;
}

// ---- /set ----

export interface SetSpec {
  create?(obj: Obj, creationId: string): { id: string } | { existingId: string };
  update?(id: string, patch: Obj): void;
  destroy?(id: string): void;
  commitTypes: readonly DataType[];
}

export function stdSet(
  ctx: MethodCtx,
  type: DataType,
  args: Obj,
  spec: SetSpec,
  views: () => Map<string, Obj>,
): Obj {
  requireAccount(ctx, args);
  const oldState = ctx.store.state(ctx.user.id, type);
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== oldState)
    throw new MethodError('stateMismatch');
  const create = args.create ?? {};
  const update = args.update ?? {};
  const destroy = args.destroy ?? [];
  if (!isObj(create) || !isObj(update) || !Array.isArray(destroy))
    throw new MethodError('invalidArguments', 'create, update and destroy have the wrong types');
  const count = Object.keys(create).length + Object.keys(update).length + destroy.length;
  if (count > ctx.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge', `at most ${ctx.limits.maxObjectsInSet} objects`);
  const created: Obj = {};
  const notCreated: Obj = {};
  const updated: Obj = {};
  const notUpdated: Obj = {};
  const destroyed: string[] = [];
  const notDestroyed: Obj = {};
  const createdIds: string[] = [];
  const fail = (e: unknown): Obj => {
    if (e instanceof SetErr) return e.toJSON();
    if (e instanceof MethodError) return { type: e.type, description: e.message };
    throw e;
  };
  for (const [cid, raw] of Object.entries(create)) {
    try {
      if (!spec.create) throw new SetErr('forbidden', `${type} objects cannot be created`);
      if (!isObj(raw)) throw new SetErr('invalidProperties', 'not an object');
      const obj = resolveRefs(ctx, raw) as Obj;
      const r = spec.create(obj, cid);
      if ('existingId' in r) {
        // Direct chats are deduplicated by contact (draft: Chat/set): the
        // existing chat is reported in `updated`.
        ctx.createdIds.set(cid, r.existingId);
        updated[r.existingId] = null;
        continue;
      }
      ctx.createdIds.set(cid, r.id);
      createdIds.push(cid);
      created[cid] = { id: r.id };
    } catch (e) {
      notCreated[cid] = fail(e);
    }
  }
  for (const [rawId, patch] of Object.entries(update)) {
    let id = rawId;
    try {
      id = resolveId(ctx, rawId);
      if (!spec.update) throw new SetErr('forbidden', `${type} objects cannot be updated`);
      if (!isObj(patch)) throw new SetErr('invalidPatch', 'not an object');
      spec.update(id, resolveRefs(ctx, patch) as Obj);
      updated[id] = null;
    } catch (e) {
      notUpdated[id] = fail(e);
    }
  }
  for (const rawId of destroy) {
    let id = String(rawId);
    try {
      id = resolveId(ctx, rawId);
      if (!spec.destroy) throw new SetErr('forbidden', `${type} objects cannot be destroyed`);
      spec.destroy(id);
      destroyed.push(id);
    } catch (e) {
      notDestroyed[id] = fail(e);
    }
  }
  ctx.store.commit(spec.commitTypes);
  // Report the created objects as the account now sees them (server-set properties included).
  const now = views();
  for (const cid of createdIds) {
    const id = (created[cid] as Obj).id as string;
    created[cid] = now.get(id) ?? { id };
  }
  const out: Obj = {
    accountId: ctx.user.id,
    oldState,
    newState: ctx.store.state(ctx.user.id, type),
    created: Object.keys(created).length ? created : null,
    updated: Object.keys(updated).length ? updated : null,
    destroyed: destroyed.length ? destroyed : null,
    notCreated: Object.keys(notCreated).length ? notCreated : null,
    notUpdated: Object.keys(notUpdated).length ? notUpdated : null,
    notDestroyed: Object.keys(notDestroyed).length ? notDestroyed : null,
  };
  return out;
}
