// A JSON answer parsed as it streams in, its large parts one at a time.
//
// `JSON.parse(await res.text())` holds the whole answer three times at its
// peak: the bytes, the decoded string (two bytes a character once any
// character is outside Latin-1) and the objects. A Matrix initial sync of a
// big account is tens of megabytes of text. The splitter scans the bytes as
// they arrive and cuts out each value the caller names by its path (for
// /sync: every room under `rooms.join`, `rooms.leave`, ...); each is decoded
// and parsed on its own the moment its last byte arrives, and its bytes are
// dropped. What is left, the skeleton (`next_batch`, to-device, account data,
// with `null` where each cut value was), is parsed at the end and the values
// are put back. The result equals JSON.parse of the whole text.
//
// The scan only tracks what it must: strings (a quote preceded by an odd run
// of backslashes is escaped; in a cut value's strings it jumps to the next
// quote with indexOf), nesting depth, and the keys on the path outside cut values. It
// does not validate: malformed input still fails, as a ProtocolError, when a
// cut value ends (so a bad room stops the read there), when the skeleton is
// parsed at the end, or at the end when brackets or a string are left open.
// A key repeated where a value was cut out under it is refused (JSON.parse
// would keep the later value; the cut one cannot yield to it).
import { ProtocolError } from '../errors.js';
import { readChunks, type ReadOptions } from './body.js';
import { wellFormedEscapes } from './schema.js';

/** A path from the root: object keys and array positions. */
export type JsonPath = readonly (string | number)[];

/** Whether the object or array at `path` is parsed on its own. */
export type SplitAt = (path: JsonPath) => boolean;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const NULL_BYTES = new TextEncoder().encode('null');

interface Frame {
  array: boolean;
  /** In an object: the key of the value being read (null before its key). */
  key: string | null;
  /** In an array: the position of the value being read. */
  index: number;
  /**
   * In an object: the keys under which a value was cut out. The same key
   * again would have JSON.parse keep the later value, which the cut one can
   * no longer yield to (it may be gone, to `take`): refused.
   */
  cutKeys: Set<string> | null;
}

export class JsonSplitter {
  /** The skeleton's: it starts where the document does, so a BOM there is dropped, as readText does. */
  private readonly decoder = new TextDecoder('utf-8');
  /** Keys' and cut values': a U+FEFF at their start is a character, not a BOM. */
  private readonly innerDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** The skeleton's bytes, copied (a chunk is mostly cut values, not to be kept). */
  private readonly skeleton: Uint8Array[] = [];
  private readonly cut: { path: JsonPath; value: unknown }[] = [];
  /** Containers open in the skeleton, outermost first; `path` holds their keys. */
  private readonly frames: Frame[] = [];
  private readonly path: (string | number)[] = [];

  private inString = false;
  /** In a string, the previous byte began an escape (a backslash not itself escaped). */
  private oddBackslashes = false;
  /** The string being read is a key in the skeleton: its bytes are kept. */
  private keyParts: Uint8Array[] | null = null;
  /** Where the key being read began in the current chunk. */
  private keyStart = 0;

  /** Inside a cut value: its depth (0: not in one), its bytes so far, its path. */
  private cutDepth = 0;
  private cutParts: Uint8Array[] = [];
  private cutPath: JsonPath = [];

  /**
   * `take`, when given, receives each cut value as it ends, and the result
   * keeps `null` in its place: a caller that stores each part as it comes
   * holds one part at a time.
   */
  constructor(
    private readonly splitAt: SplitAt,
    private readonly describe: () => string,
    private readonly take?: (path: JsonPath, value: unknown) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    // Where the current run of skeleton (or cut value) bytes began in this chunk.
    let from = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.cutDepth > 0) {
        i = this.scanCut(chunk, i);
        if (this.cutDepth === 0) {
          this.cutParts.push(chunk.subarray(from, i));
          this.finishCut();
          from = i;
        }
        continue;
      }
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i]!;
      const top = this.frames[this.frames.length - 1];
      switch (c) {
        case QUOTE:
          this.inString = true;
          // A key: in an object, before its colon.
          if (top && !top.array && top.key === null) this.keyParts = [];
          i++;
          // skipString keeps the key's bytes from here.
          if (this.keyParts) this.keyStart = i;
          continue;
        case OPEN_OBJECT:
        case OPEN_ARRAY: {
          const at = top ? (top.array ? top.index : top.key) : null;
          if (at === null && top) throw this.malformed(); // a value where a key belongs
          // The path grows in place (copied only for a cut): deep nesting stays linear.
          if (at !== null) this.path.push(at);
          if (at !== null && this.splitAt(this.path)) {
            this.cutPath = this.path.slice();
            this.path.pop();
            for (const f of this.frames) if (!f.array) (f.cutKeys ??= new Set()).add(f.key!);
            this.keepSkeleton(chunk.subarray(from, i));
            this.skeleton.push(NULL_BYTES);
            this.cutDepth = 1;
            this.cutParts = [];
            from = i;
            i++;
            continue;
          }
          this.frames.push({ array: c === OPEN_ARRAY, key: null, index: 0, cutKeys: null });
          break;
        }
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (!top) throw this.malformed();
          this.frames.pop();
          if (this.frames.length > 0) this.path.pop();
          break;
        case COMMA:
          if (top?.array) top.index++;
          else if (top) top.key = null;
          break;
        // A colon needs nothing: the key was set when its string closed.
      }
      i++;
    }
    if (this.cutDepth > 0) this.cutParts.push(chunk.subarray(from));
    else {
      if (this.keyParts && this.inString) this.keyParts.push(chunk.slice(this.keyStart));
      this.keepSkeleton(chunk.subarray(from));
    }
    this.keyStart = 0;
  }

  /** The whole value; throws a ProtocolError if the text ended early or is not JSON. */
  end(): unknown {
    if (this.inString || this.cutDepth > 0 || this.frames.length > 0) throw this.malformed();
    const root = this.parse(this.skeleton, this.decoder) as unknown;
    for (const { path, value } of this.cut) {
      // Own properties only, down a path the skeleton must hold (a key named
      // "__proto__" or "constructor" is data here, never a way out of it).
      let parent = root;
      for (let k = 0; k < path.length; k++) {
        if (parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, path[k]!))
          throw this.malformed();
        if (k < path.length - 1) parent = (parent as Record<string | number, unknown>)[path[k]!];
      }
      // defineProperty: "__proto__" stays a plain key, as JSON.parse makes it.
      Object.defineProperty(parent, path[path.length - 1]!, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return root;
  }

  /**
   * Through a cut value: past its closing bracket (cutDepth is then 0) or to
   * the chunk's end. Its own loop over locals: this is where nearly every
   * byte of a large answer goes.
   */
  private scanCut(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    let depth = this.cutDepth;
    let inString = this.inString;
    let escaped = this.oddBackslashes;
    let at = i;
    for (; at < n; at++) {
      const c = chunk[at]!;
      if (inString) {
        // To the next quote natively; escaped when an odd run of backslashes
        // precedes it (the run may begin in an earlier chunk: `escaped`).
        if (escaped) {
          escaped = false;
          continue;
        }
        const q = chunk.indexOf(QUOTE, at);
        if (q < 0) {
          let k = n;
          while (k > at && chunk[k - 1] === BACKSLASH) k--;
          escaped = (n - k) % 2 === 1;
          at = n;
          break;
        }
        let k = q;
        while (k > at && chunk[k - 1] === BACKSLASH) k--;
        at = q;
        if ((q - k) % 2 === 0) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) {
        at++;
        break;
      }
    }
    this.cutDepth = depth;
    this.inString = inString;
    this.oddBackslashes = escaped;
    return at;
  }

  /**
   * Past the string's closing quote (or to the chunk's end); returns the new
   * position. A byte loop: most strings in an answer are keys and short
   * values, where calling indexOf per string costs more than it skips.
   */
  private skipString(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    let escaped = this.oddBackslashes;
    for (let at = i; at < n; at++) {
      const c = chunk[at]!;
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        this.oddBackslashes = false;
        this.inString = false;
        if (this.keyParts) {
          this.keyParts.push(chunk.subarray(this.keyStart, at));
          const top = this.frames[this.frames.length - 1]!;
          top.key = this.decodeKey(this.keyParts);
          this.keyParts = null;
          if (top.cutKeys?.has(top.key)) throw this.malformed();
        }
        return at + 1;
      }
    }
    this.oddBackslashes = escaped;
    return n;
  }

  private decodeKey(parts: Uint8Array[]): string {
    const text = this.innerDecoder.decode(concat(parts));
    if (!text.includes('\\')) return text;
    try {
      return JSON.parse(`"${wellFormedEscapes(text)}"`) as string;
    } catch {
      throw this.malformed();
    }
  }

  private finishCut(): void {
    const value = this.parse(this.cutParts, this.innerDecoder);
    this.cutParts = [];
    if (this.take) this.take(this.cutPath, value);
    else this.cut.push({ path: this.cutPath, value });
  }

  private keepSkeleton(bytes: Uint8Array): void {
    if (bytes.length > 0) this.skeleton.push(bytes.slice());
  }

  private parse(parts: Uint8Array[], decoder: TextDecoder): unknown {
    const text = decoder.decode(concat(parts));
    try {
      return JSON.parse(wellFormedEscapes(text)) as unknown;
    } catch {
      throw this.malformed();
    }
  }

  private malformed(): ProtocolError {
    return new ProtocolError(this.describe());
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A response's JSON body parsed as it streams in, the values `splitAt` names
 * each parsed on its own as it ends (JsonSplitter), within the byte cap and
 * the request's deadline (readChunks). Malformed JSON is a ProtocolError
 * naming the request: inside a cut value as soon as that value ends (the
 * rest of the body is not read), elsewhere once the body has been read.
 */
export async function readJsonSplit(
  res: Response,
  what: string,
  splitAt: SplitAt,
  options: ReadOptions = {},
): Promise<unknown> {
  const splitter = new JsonSplitter(
    splitAt,
    () => `${what}: the answer is not JSON (${res.status})`,
  );
  await readChunks(res, what, options, (chunk) => splitter.push(chunk));
  return splitter.end();
}
