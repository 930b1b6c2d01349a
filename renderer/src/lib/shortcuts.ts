// Every app-wide shortcut, declared once: the key handler (hooks/useGlobalKeys)
// matches with it and the cheat sheet (Ctrl/Cmd+/) lists it, so the two never
// disagree. Pure, so it is unit-tested in Node.
import { strings } from './strings.js';

export type ShortcutId =
  | 'nextChat'
  | 'previousChat'
  | 'nextUnread'
  | 'search'
  | 'quickSwitcher'
  | 'markRead'
  | 'editLast'
  | 'cheatSheet';

/** The parts of a KeyboardEvent a shortcut looks at. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface Shortcut {
  id: ShortcutId;
  label: string;
  /** Key names as shown, one combination each; "Mod" is Ctrl, or ⌘ on a Mac. */
  keys: string[][];
  /** Also while the focus is in a text field (else the keystroke is the field's). */
  whileTyping: boolean;
  matches(e: KeyPress): boolean;
}

const mod = (e: KeyPress) => e.ctrlKey || e.metaKey;
const key = (e: KeyPress) => e.key.toLowerCase();
const s = strings.shortcuts;

export const SHORTCUTS: readonly Shortcut[] = [
  {
    id: 'nextChat',
    label: s.nextChat,
    keys: [['Alt', '↓']],
    whileTyping: true,
    matches: (e) => e.altKey && !e.shiftKey && !mod(e) && e.key === 'ArrowDown',
  },
  {
    id: 'previousChat',
    label: s.previousChat,
    keys: [['Alt', '↑']],
    whileTyping: true,
    matches: (e) => e.altKey && !e.shiftKey && !mod(e) && e.key === 'ArrowUp',
  },
  {
    id: 'nextUnread',
    label: s.nextUnread,
    keys: [['Alt', 'Shift', '↓']],
    whileTyping: true,
    matches: (e) => e.altKey && e.shiftKey && !mod(e) && e.key === 'ArrowDown',
  },
  {
    id: 'search',
    label: s.search,
    keys: [['Mod', 'Shift', 'F'], ['/']],
    whileTyping: true,
    // "/" alone only outside text fields: there it is a character (checked by the hook).
    matches: (e) => (mod(e) && e.shiftKey && key(e) === 'f') || (e.key === '/' && !mod(e)),
  },
  {
    id: 'quickSwitcher',
    label: s.quickSwitcher,
    keys: [['Mod', 'K']],
    whileTyping: true,
    matches: (e) => mod(e) && !e.shiftKey && key(e) === 'k',
  },
  {
    id: 'markRead',
    label: s.markRead,
    keys: [['Shift', 'Esc']],
    whileTyping: true,
    matches: (e) => e.shiftKey && !mod(e) && !e.altKey && e.key === 'Escape',
  },
  {
    id: 'editLast',
    label: s.editLast,
    keys: [['Mod', 'Shift', 'E'], ['↑']],
    whileTyping: true,
    // ↑ itself is the composer's own key (Composer.tsx); listed here so the sheet shows it.
    matches: (e) => mod(e) && e.shiftKey && !e.altKey && key(e) === 'e',
  },
  {
    id: 'cheatSheet',
    label: s.cheatSheet,
    keys: [['Mod', '/']],
    whileTyping: true,
    matches: (e) => mod(e) && !e.altKey && (e.key === '/' || e.key === '?'),
  },
];

/** The shortcut a key press means (the cheat sheet's before search: Ctrl+/ is not "/"). */
export function shortcutFor(e: KeyPress, typing: boolean): Shortcut | null {
  for (const shortcut of SHORTCUTS) {
    if (!shortcut.matches(e)) continue;
    if (shortcut.id === 'search' && e.key === '/' && typing) continue;
    if (typing && !shortcut.whileTyping) continue;
    return shortcut;
  }
  return null;
}

/** "Mod" as this platform names it. */
export function modKeyName(platform: string): string {
  return /mac|iphone|ipad/i.test(platform) ? '⌘' : 'Ctrl';
}
