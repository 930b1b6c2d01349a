// Work that only prepares for what may come next (rows around the viewport
// for a scroll, the page above the first one): it runs when the thread is
// idle, after the frame that shows what was asked for and after whatever was
// queued behind that frame, so it never holds a chat's first rows back. A
// timer makes sure it runs even on a thread that is never idle.
import { afterPaint } from './afterPaint.js';

const LATEST_MS = 300;

export function whenIdle(fn: () => void): void {
  if (typeof window.requestIdleCallback !== 'function') {
    afterPaint(fn);
    return;
  }
  // Asked for after this frame's paint: an idle period can come before it.
  afterPaint(() => window.requestIdleCallback(() => fn(), { timeout: LATEST_MS }));
}
