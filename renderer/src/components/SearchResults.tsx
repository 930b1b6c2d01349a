// Search results in place of the chat list while a query is typed.
import type { SearchHit } from '../../../main/daemon/model/types.js';
import type { SearchState } from '../hooks/useSearch.js';
import { SearchHitItem } from './SearchHitItem.js';

export function SearchResults({
  search,
  onOpen,
}: {
  search: SearchState;
  onOpen(hit: SearchHit): void;
}) {
  const { hits, searching, error, nextBeforeId, unindexed, loadMore } = search;
  return (
    <section className="search-results" aria-label="Search results" aria-busy={searching}>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {!error && !searching && hits.length === 0 ? (
        <p className="notice">No messages match.</p>
      ) : null}
      {!error && unindexed ? (
        <p className="notice" role="status">
          Still indexing {unindexed.toLocaleString()} messages: results may be incomplete.
        </p>
      ) : null}
      <ul role="list">
        {hits.map((hit) => (
          <SearchHitItem key={hit.messageId} hit={hit} onOpen={onOpen} />
        ))}
      </ul>
      {!error && nextBeforeId != null && loadMore ? (
        <button type="button" className="search-more" onClick={loadMore} disabled={searching}>
          Show more
        </button>
      ) : null}
    </section>
  );
}
