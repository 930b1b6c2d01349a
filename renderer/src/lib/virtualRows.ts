// The arithmetic of a virtualized list with rows of different heights: where
// each row starts (measured heights where known, an estimate elsewhere) and
// which rows a viewport needs. Pure, so it is unit-tested in Node.
export interface RowLayout {
  /** offsets[i] is where row i starts; offsets[n] is the total height. */
  offsets: Float64Array;
  total: number;
}

export function layoutRows(
  keys: readonly string[],
  heights: ReadonlyMap<string, number>,
  estimate: (index: number) => number,
): RowLayout {
  const offsets = new Float64Array(keys.length + 1);
  let y = 0;
  for (let i = 0; i < keys.length; i++) {
    offsets[i] = y;
    y += heights.get(keys[i]!) ?? estimate(i);
  }
  offsets[keys.length] = y;
  return { offsets, total: y };
}

/** The last row starting at or above `y` (0 when y is above everything). */
export function rowAt(layout: RowLayout, y: number): number {
  const { offsets } = layout;
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [start, end) that intersect [top - overscan, top + height + overscan]. */
export function visibleRange(
  layout: RowLayout,
  top: number,
  height: number,
  overscan: number,
): { start: number; end: number } {
  const n = layout.offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = rowAt(layout, Math.max(0, top - overscan));
  const end = Math.min(n, rowAt(layout, top + height + overscan) + 1);
  return { start, end };
}

/**
 * Whether `y` is inside the viewport [top, top + height) of a settled layout:
 * every row the viewport shows has been measured. While rows are still
 * estimated the layout is intermediate (it moves once they are measured), so
 * what it puts in view may never be on screen.
 */
export function settledInView(
  layout: RowLayout,
  keys: readonly string[],
  heights: ReadonlyMap<string, number>,
  top: number,
  height: number,
  y: number,
): boolean {
  if (y < top || y >= top + height) return false;
  const { start, end } = visibleRange(layout, top, height, 0);
  for (let i = start; i < end; i++) if (!heights.has(keys[i]!)) return false;
  return true;
}

/**
 * Where to scroll so the anchor row keeps its distance from the viewport top
 * (`delta` = anchor offset − scrollTop, measured before the change).
 */
export function anchoredScrollTop(layout: RowLayout, anchorIndex: number, delta: number): number {
  return (layout.offsets[anchorIndex] ?? 0) - delta;
}
