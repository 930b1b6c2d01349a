// Search hits grouped by chat, in the order each chat first appears in the
// hits (so newest-first stays newest-first between groups). Pure.
import type { SearchHit } from '../../../main/daemon/model/types.js';

export interface SearchGroup {
  chatId: number;
  chatName: string;
  accountId: number;
  hits: SearchHit[];
}

export function groupHits(hits: readonly SearchHit[]): SearchGroup[] {
  const groups = new Map<number, SearchGroup>();
  for (const hit of hits) {
    let g = groups.get(hit.chatId);
    if (!g)
      groups.set(
        hit.chatId,
        (g = { chatId: hit.chatId, chatName: hit.chatName, accountId: hit.accountId, hits: [] }),
      );
    g.hits.push(hit);
  }
  return [...groups.values()];
}
