// App-wide shortcuts: Ctrl/Cmd+K quick switcher, Ctrl/Cmd+Shift+F or "/"
// search, Alt+Up/Down previous/next chat.
import { useEffect, useRef } from 'react';

interface Keys {
  quickSwitch(): void;
  focusSearch(): void;
  step(by: 1 | -1): void;
}

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function useGlobalKeys(keys: Keys): void {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && !e.shiftKey && key === 'k') {
        e.preventDefault();
        latest.current.quickSwitch();
      } else if ((mod && e.shiftKey && key === 'f') || (key === '/' && !mod && !typing(e.target))) {
        e.preventDefault();
        latest.current.focusSearch();
      } else if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        latest.current.step(e.key === 'ArrowDown' ? 1 : -1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
