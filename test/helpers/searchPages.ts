// Every hit of a search, page by page (newest first, each page continuing at
// the last one's nextBeforeId), in the order the pages give them: what a user
// scrolling a result list to its end sees.
import { searchPage } from '../../main/daemon/store/search/messageSearch.js';
import type { Store } from '../../main/daemon/store/store.js';

export function allSearchHits(store: Store, query: string, limit: number): number[] {
  const ids: number[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = searchPage(store.db, query, { limit, beforeId });
    ids.push(...page.hits.map((h) => h.messageId));
    if (page.nextBeforeId === null) return ids;
    beforeId = page.nextBeforeId;
  }
}
