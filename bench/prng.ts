// Seeded, deterministic randomness so that two runs build the same profile and
// run the same queries. sfc32 seeded through a 32-bit string/number hash.

export type Rng = () => number;

/** FNV-1a over the arguments' string forms; stable across runs and platforms. */
export function hash32(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const part of parts) {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    h ^= 0x1f;
    h = Math.imul(h, 16777619);
  }
  // Final avalanche (murmur3 fmix32) so nearby inputs give unrelated outputs.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32: small, fast, good enough for workload generation. Returns [0, 1). */
export function rng(...seed: (string | number)[]): Rng {
  let a = hash32('a', ...seed);
  let b = hash32('b', ...seed);
  let c = hash32('c', ...seed);
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform [0, 1) value from a hash: for decisions that must not depend on order. */
export function unit(...parts: (string | number)[]): number {
  return hash32(...parts) / 4294967296;
}

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

export function intBetween(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}
