// App-wide shortcuts (lib/shortcuts.ts declares them; the cheat sheet lists
// them): one keydown listener on the window calls the handler of the
// shortcut a key press means.
import { useEffect, useRef } from 'react';
import { shortcutFor, type ShortcutId } from '../lib/shortcuts.js';

export type ShortcutHandlers = Partial<Record<ShortcutId, () => void>>;

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function useGlobalKeys(handlers: ShortcutHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutFor(e, typing(e.target));
      const run = shortcut ? latest.current[shortcut.id] : undefined;
      if (!run) return;
      e.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
