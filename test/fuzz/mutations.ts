// The mutations the fuzz harness applies to recorded server answers, as plain
// data (fast-check generates, shrinks and prints them), and the code that
// applies one to an answer's body or to the order of answers.
//
// Body mutations pick a node of the parsed JSON by index (in depth-first
// order, modulo the node count), so every mutation fits every answer:
//   type changes, removed and added fields, huge strings and arrays, deep
//   nesting, lone surrogates and invalid UTF-8, numbers at the limits,
//   duplicated array elements (duplicate ids), a truncated or non-JSON body.
// Sequence mutations reorder or repeat whole answers (batches).
import fc from 'fast-check';
import type { Exchange } from './transcript.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type BodyMutation =
  | { op: 'retype'; at: number; value: Json }
  | { op: 'remove'; at: number; key: number }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'hugeString'; at: number; length: number }
  | { op: 'hugeArray'; at: number; length: number }
  | { op: 'deepNest'; at: number; depth: number; kind: 'array' | 'object' }
  | { op: 'surrogate'; at: number; unit: number }
  | { op: 'invalidUtf8'; at: number; bytes: number[] }
  | { op: 'limitNumber'; at: number; literal: string }
  | { op: 'duplicate'; at: number; from: number; to: number }
  | { op: 'truncate'; fraction: number }
  | { op: 'garbage'; text: string };

export type SequenceMutation =
  { op: 'swap'; a: number; b: number } | { op: 'repeat'; index: number; times: number };

export interface CaseMutation {
  /** Which recorded sync is mutated: a fresh account's first sync, or a catch-up. */
  phase: 'initial' | 'catchUp';
  /** Which answer of that sync (modulo the count), and what is done to it. */
  target: number;
  body: BodyMutation[];
  sequence: SequenceMutation[];
}

/** Numbers at the limits, as JSON text (1e999 parses to Infinity). */
const LIMIT_LITERALS = [
  '0',
  '-0',
  '-1',
  '9007199254740991',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '2147483648',
  '1.7976931348623157e308',
  '1e999',
  '-1e999',
  '5e-324',
  '0.5',
  '1e21',
];

const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;

export function caseMutation(huge: { maxString: number; maxArray: number; maxDepth: number }) {
  const at = fc.nat({ max: 100_000 });
  const body: fc.Arbitrary<BodyMutation> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('retype' as const), at, value: anyJson }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), at, key: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('add' as const),
        at,
        key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'id', 'type')),
        value: anyJson,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('hugeString' as const),
        at,
        length: fc.integer({ min: 10_000, max: huge.maxString }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('hugeArray' as const),
        at,
        length: fc.integer({ min: 100, max: huge.maxArray }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('deepNest' as const),
        at,
        depth: fc.integer({ min: 50, max: huge.maxDepth }),
        kind: fc.constantFrom('array' as const, 'object' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('surrogate' as const),
        at,
        unit: fc.integer({ min: 0xd800, max: 0xdfff }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('invalidUtf8' as const),
        at,
        bytes: fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xe0, 0xed, 0xf5, 0xfe, 0xff), {
          minLength: 1,
          maxLength: 4,
        }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('limitNumber' as const),
        at,
        literal: fc.constantFrom(...LIMIT_LITERALS),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('duplicate' as const),
        at,
        from: fc.nat(),
        to: fc.nat(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('truncate' as const),
        fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('garbage' as const),
        text: fc.oneof(fc.string(), fc.constantFrom('', 'null', '[]', '{}', '<html>', '"x"')),
      }),
    },
  );
  const sequence: fc.Arbitrary<SequenceMutation> = fc.oneof(
    fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
    fc.record({
      op: fc.constant('repeat' as const),
      index: fc.nat(),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  );
  return fc.record({
    phase: fc.constantFrom('initial' as const, 'catchUp' as const),
    target: fc.nat(),
    body: fc.array(body, { minLength: 0, maxLength: 3 }),
    sequence: fc.array(sequence, { maxLength: 2 }),
  });
}

/** The exchanges of one sync with the case's mutations applied. */
export function mutateExchanges(exchanges: readonly Exchange[], m: CaseMutation): Exchange[] {
  const out = exchanges.map((e) => ({ ...e }));
  if (out.length === 0) return out;
  const target = out[m.target % out.length]!;
  for (const b of m.body) target.body = mutateBody(target.body, b);
  for (const s of m.sequence) {
    if (s.op === 'swap') {
      const a = s.a % out.length;
      const b = s.b % out.length;
      [out[a], out[b]] = [out[b]!, out[a]!];
    } else {
      const i = s.index % out.length;
      out.splice(i, 0, ...Array.from({ length: s.times }, () => ({ ...out[i]! })));
    }
  }
  return out;
}

interface Slot {
  value: Json;
  set(v: Json): void;
}

/** Every node of the document, depth-first (iteratively: a mutated body may nest deeply). */
function slots(root: { doc: Json }): Slot[] {
  const out: Slot[] = [];
  const stack: Slot[] = [{ value: root.doc, set: (v) => (root.doc = v) }];
  while (stack.length && out.length < 20_000) {
    const slot = stack.pop()!;
    out.push(slot);
    const value = slot.value;
    const children: Slot[] = [];
    if (Array.isArray(value))
      value.forEach((v, i) => children.push({ value: v, set: (n) => (value[i] = n) }));
    else if (value && typeof value === 'object')
      for (const k of Object.keys(value))
        children.push({ value: value[k]!, set: (n) => (value[k] = n) });
    stack.push(...children.reverse());
  }
  return out;
}

// Placeholders replaced in the JSON text after stringify: what JSON.stringify cannot write.
const RAW = '\u0000raw:';

/** Applies one mutation to a body (JSON text; anything else only by truncate/garbage). */
export function mutateBody(body: string, m: BodyMutation): string {
  try {
    return mutateBodyOrThrow(body, m);
  } catch (err) {
    // Nested too deeply for this process to walk again: keep the body as it is.
    if (err instanceof RangeError) return body;
    throw err;
  }
}

function mutateBodyOrThrow(body: string, m: BodyMutation): string {
  if (m.op === 'truncate') return body.slice(0, Math.floor(body.length * m.fraction));
  if (m.op === 'garbage') return m.text;
  let doc: Json;
  try {
    doc = JSON.parse(body) as Json;
  } catch {
    return body;
  }
  const root = { doc };
  const all = slots(root);
  const slot = all[m.at % all.length]!;
  const raws: string[] = [];
  const raw = (text: string): string => {
    raws.push(text);
    return `${RAW}${raws.length - 1}`;
  };
  const v = slot.value;
  switch (m.op) {
    case 'retype':
      slot.set(m.value);
      break;
    case 'remove':
      if (Array.isArray(v)) v.splice(m.key % Math.max(1, v.length), 1);
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.length) delete v[keys[m.key % keys.length]!];
      } else slot.set(null);
      break;
    case 'add':
      if (Array.isArray(v)) v.push(m.value);
      else if (v && typeof v === 'object')
        Object.defineProperty(v, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else slot.set({ [m.key]: m.value });
      break;
    case 'hugeString':
      slot.set(
        (typeof v === 'string' && v ? v : 'x')
          .repeat(Math.ceil(m.length / Math.max(1, typeof v === 'string' ? v.length : 1)))
          .slice(0, m.length),
      );
      break;
    case 'hugeArray': {
      const item = Array.isArray(v) && v.length ? v[0]! : v;
      slot.set(Array.from({ length: m.length }, () => item));
      break;
    }
    case 'deepNest': {
      const open = m.kind === 'array' ? '['.repeat(m.depth) : '{"a":'.repeat(m.depth);
      const close = m.kind === 'array' ? ']'.repeat(m.depth) : '}'.repeat(m.depth);
      slot.set(raw(`${open}${JSON.stringify(v)}${close}`));
      break;
    }
    case 'surrogate': {
      const escaped = `\\u${m.unit.toString(16)}`;
      const s = typeof v === 'string' ? v : 'x';
      const mid = Math.floor(s.length / 2);
      slot.set(
        raw(
          `${JSON.stringify(s.slice(0, mid)).slice(0, -1)}${escaped}${JSON.stringify(s.slice(mid)).slice(1)}`,
        ),
      );
      break;
    }
    case 'invalidUtf8': {
      const s = typeof v === 'string' ? v : 'x';
      // Bytes that are not UTF-8 cannot live in a JS string: mark them, and
      // turn the marks into bytes when the body is encoded (toBytes).
      slot.set(`${s}${m.bytes.map((b) => `\u0000byte:${b}\u0000`).join('')}`);
      break;
    }
    case 'limitNumber':
      slot.set(raw(m.literal));
      break;
    case 'duplicate': {
      if (Array.isArray(v) && v.length) {
        const from = v[m.from % v.length]!;
        const to = m.to % (v.length + 1);
        if (to === v.length) v.push(structuredClone(from));
        else v[to] = structuredClone(from);
      }
      break;
    }
  }
  // Huge strings inside huge arrays (one case may do both) would make a body
  // of gigabytes: this process cannot write it, and any connector's size cap
  // refuses it long before. Such a body is served lazily instead (toStream).
  const size = jsonSizeAtLeast(root.doc, OVERSIZED_BYTES);
  if (size >= OVERSIZED_BYTES) return `${OVERSIZED}${size}`;
  let text: string;
  try {
    text = JSON.stringify(root.doc);
  } catch {
    return body; // nested too deeply to write again: keep the body as it was
  }
  if (raws.length) text = text.replace(/"\\u0000raw:(\d+)"/g, (_, i: string) => raws[Number(i)]!);
  return text;
}

/** Bigger than every connector's cap for one answer (64 MiB), small enough to count. */
const OVERSIZED_BYTES = 256 * 1024 * 1024;
const OVERSIZED = '\u0000oversized:';

/** The JSON text's length, counted until it reaches `limit` (shared values counted each time). */
function jsonSizeAtLeast(doc: Json, limit: number): number {
  let size = 0;
  const stack: Json[] = [doc];
  while (stack.length && size < limit) {
    const v = stack.pop()!;
    if (typeof v === 'string') size += v.length + 2;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (v && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        size += k.length + 4;
        stack.push(item);
      }
    else size += 8;
  }
  return size;
}

/**
 * An oversized body (see mutateBodyOrThrow) as a stream that makes its bytes
 * only as they are read: a JSON array of spaces as long as the body would be.
 */
export function oversizedStream(body: string): ReadableStream<Uint8Array> | null {
  if (!body.startsWith(OVERSIZED)) return null;
  let left = Number(body.slice(OVERSIZED.length));
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(new TextEncoder().encode('['));
      }
      if (left <= 0) {
        controller.enqueue(new TextEncoder().encode(']'));
        controller.close();
        return;
      }
      const n = Math.min(left, chunk.length);
      controller.enqueue(chunk.subarray(0, n));
      left -= n;
    },
  });
}

/** The body as the server would send it: UTF-8, with any marked invalid bytes as raw bytes. */
export function toBytes(body: string): Uint8Array {
  if (!body.includes('\\u0000byte:')) return Buffer.from(body, 'utf8');
  const parts = body.split(/\\u0000byte:(\d+)\\u0000/);
  return Buffer.concat(
    parts.map((p, i) => (i % 2 ? Buffer.from([Number(p)]) : Buffer.from(p, 'utf8'))),
  );
}
