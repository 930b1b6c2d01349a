// Work that can wait for the screen: a task queued from the next animation
// frame runs once that frame has painted, so what is about to be shown
// (a chat list's first screen, a chat's first page) is not held back by it.
// A hidden page paints no frames: there (and where there are no animation
// frames at all) the work runs as a plain task, and a timer makes sure it
// runs even if the page is hidden after asking.
const LATEST_MS = 250;

export function afterPaint(fn: () => void): void {
  if (typeof window.requestAnimationFrame !== 'function' || document.hidden) {
    window.setTimeout(fn);
    return;
  }
  let ran = false;
  const once = () => {
    if (ran) return;
    ran = true;
    window.clearTimeout(timer);
    fn();
  };
  const timer = window.setTimeout(once, LATEST_MS);
  window.requestAnimationFrame(() => window.setTimeout(once));
}
