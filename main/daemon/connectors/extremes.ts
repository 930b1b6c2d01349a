// The largest and smallest of a server-sized list. `Math.max(...list)` passes
// every element as an argument, and past about 120,000 of them (a hostile or
// broken server's page, or several pages together) that overflows the stack
// with a RangeError instead of an answer: these loop instead.

/** The largest of `values` and `start` (`start` alone for an empty list). */
export function maxOf(values: Iterable<number>, start = Number.NEGATIVE_INFINITY): number {
  let max = start;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** The smallest of `values` and `start` (`start` alone for an empty list). */
export function minOf(values: Iterable<number>, start = Number.POSITIVE_INFINITY): number {
  let min = start;
  for (const v of values) if (v < min) min = v;
  return min;
}

/** Appends every item to `target` (`push(...items)` overflows the stack the same way). */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
