// Search results in place of the chat list while a query is typed, grouped by
// chat (its name, cut cleanly when long, the number of hits, and which account
// it is from).
import type { SearchHit } from '../../../main/daemon/model/types.js';
import { useAccounts } from '../api/AccountsContext.js';
import type { SearchState } from '../hooks/useSearch.js';
import { groupHits } from '../lib/searchGroups.js';
import { AccountBadge } from './AccountBadge.js';
import { SearchHitItem } from './SearchHitItem.js';

export function SearchResults({
  search,
  onOpen,
}: {
  search: SearchState;
  onOpen(hit: SearchHit): void;
}) {
  const { hits, searching, error, nextBeforeId, unindexed, loadMore } = search;
  const accounts = useAccounts();
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
      {groupHits(hits).map((group) => {
        const account = accounts.byId.get(group.accountId);
        const headingId = `search-chat-${group.chatId}`;
        return (
          <section key={group.chatId} className="search-group" aria-labelledby={headingId}>
            <h3 className="search-group-head">
              <span className="search-hit-chat" id={headingId} title={group.chatName}>
                {group.chatName}
              </span>
              <span className="search-group-count" aria-label={`${group.hits.length} results`}>
                {group.hits.length}
              </span>
              {account ? <AccountBadge account={account} withLabel /> : null}
            </h3>
            <ul role="list">
              {group.hits.map((hit) => (
                <SearchHitItem key={hit.messageId} hit={hit} onOpen={onOpen} />
              ))}
            </ul>
          </section>
        );
      })}
      {!error && nextBeforeId != null && loadMore ? (
        <button type="button" className="search-more" onClick={loadMore} disabled={searching}>
          Show more
        </button>
      ) : null}
    </section>
  );
}
