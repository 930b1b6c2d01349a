// A person's or chat's stand-in picture: up to two initials on a colour that
// is the same for the same id on every launch and every machine (a hash of
// the id picks one of a fixed set of hues, each readable under white text in
// both themes).
const HUES = [4, 24, 38, 88, 146, 172, 196, 214, 236, 262, 286, 322];

/** FNV-1a over the UTF-16 code units: small, stable, well spread. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function avatarColour(id: string): string {
  // 55% saturation at 31% lightness keeps white initials at a contrast of at least 4.5:1 (WCAG AA)
  // for every hue in the set (the weakest, yellow-green, is about 5:1).
  return `hsl(${HUES[hash(id.toLowerCase()) % HUES.length]} 55% 31%)`;
}

/** "Ann Lee" → "AL", "ann@example.org" → "A", "@bob:hs" → "B", "" → "?". */
export function initials(name: string): string {
  const cleaned = name
    .replace(/<[^>]*>/g, ' ')
    .replace(/@.*$/, (m) => (name.startsWith('@') ? m : ''))
    .replace(/^[@#!+]/, '')
    .replace(/:.*$/, '')
    .trim();
  const words = cleaned.split(/[\s._-]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const first = (w: string | undefined) =>
    w ? ([...w.replace(/^[^\p{L}\p{N}]+/u, '')][0] ?? '') : '';
  const letters =
    words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]);
  return letters.toUpperCase() || '?';
}
