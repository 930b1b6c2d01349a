// @-mentions in the composer: the query being typed at the caret, the members
// that match it, and the text after one is chosen. Pure, so it is tested in Node.
import type { MemberView } from '../../../main/daemon/api/contract.js';

export interface MentionQuery {
  /** Index of the "@". */
  start: number;
  /** What follows it, up to the caret. */
  query: string;
}

/** The "@name" being typed just before `caret`, or null. An "@" inside a word (mail addresses) is not one. */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const m = /(^|[\s([{"'])@([^\s@]{0,40})$/u.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2]!.length - 1, query: m[2]! };
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Members matching `query` by name or id: name prefixes first, then word prefixes, then the rest. */
export function matchMembers(
  members: readonly MemberView[],
  query: string,
  limit = 8,
): MemberView[] {
  const q = fold(query);
  const scored: [number, MemberView][] = [];
  for (const m of members) {
    if (m.isSelf || (m.membership !== 'join' && m.membership !== 'invite')) continue;
    const name = fold(m.name);
    const id = fold(m.personRemoteId);
    let score: number;
    if (q === '' || name.startsWith(q)) score = 0;
    else if (name.split(/\s+/).some((w) => w.startsWith(q))) score = 1;
    else if (id.replace(/^@/, '').startsWith(q)) score = 2;
    else if (name.includes(q) || id.includes(q)) score = 3;
    else continue;
    scored.push([score, m]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name));
  return scored.slice(0, limit).map(([, m]) => m);
}

/** The text with the query replaced by the member's name and a space; where the caret goes. */
export function insertMention(
  text: string,
  at: MentionQuery,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const before = text.slice(0, at.start);
  const after = text.slice(caret);
  const inserted = `${name}${after.startsWith(' ') ? '' : ' '}`;
  return { text: before + inserted + after, caret: before.length + inserted.length };
}
