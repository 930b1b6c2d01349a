// Where the window reopens: the size and place it had, unless that place is
// no longer on any screen (a monitor was unplugged), then centred on the
// primary one. Pure, so it is tested without Electron.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindowState extends Rect {
  maximized: boolean;
}

const MIN_VISIBLE = 100;

/** The saved state, or null when the file is missing, malformed or absurd. */
export function parseWindowState(json: string | null): SavedWindowState | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<SavedWindowState>;
    const nums = [v.x, v.y, v.width, v.height];
    if (!nums.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
    if (v.width! < 200 || v.height! < 150 || v.width! > 20_000 || v.height! > 20_000) return null;
    return {
      x: v.x!,
      y: v.y!,
      width: v.width!,
      height: v.height!,
      maximized: v.maximized === true,
    };
  } catch {
    return null;
  }
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** Bounds to open with: the saved ones when a good part shows on some screen. */
export function restoredBounds(
  saved: SavedWindowState | null,
  workAreas: Rect[],
  fallback: { width: number; height: number },
): Partial<Rect> & { width: number; height: number } {
  if (saved) {
    const visible = workAreas.some((area) => {
      const o = overlap(saved, area);
      return o.width >= MIN_VISIBLE && o.height >= MIN_VISIBLE;
    });
    if (visible) return { x: saved.x, y: saved.y, width: saved.width, height: saved.height };
    const primary = workAreas[0];
    if (primary)
      return {
        width: Math.min(saved.width, primary.width),
        height: Math.min(saved.height, primary.height),
      };
  }
  return fallback;
}
