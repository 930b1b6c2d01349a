// Message search as the user types: debounced, and only the latest query's
// answer is shown. A page that is not everything says so: "Show more" reads
// the next page, and while messages are still being indexed (after an
// upgrade) the search runs again until the answer is complete.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SearchHit } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { SNIPPET_MARKERS } from '../lib/markedText.js';

const DEBOUNCE_MS = 200;
const PAGE = 50;
/** How soon a search over a partly indexed store asks again. */
const REINDEX_RETRY_MS = 1500;

export interface SearchState {
  hits: SearchHit[];
  searching: boolean;
  error: string | null;
  /** Where the next page starts; null when these are all the hits. */
  nextBeforeId?: number | null;
  /** Messages not indexed yet for this query (the search runs again by itself). */
  unindexed?: number;
  /** Reads the next page and appends it. */
  loadMore?: () => void;
}

export function useSearch(query: string): SearchState {
  const client = useClient();
  const [state, setState] = useState<SearchState>({ hits: [], searching: false, error: null });
  const latest = useRef(0);
  const text = query.trim();

  const run = useCallback(
    (mine: number, beforeId?: number) => {
      client
        .call('search.query', { query: text, limit: PAGE, markers: SNIPPET_MARKERS, beforeId })
        .then(
          (page) => {
            if (mine !== latest.current) return;
            setState((s) => ({
              hits: beforeId === undefined ? page.hits : [...s.hits, ...page.hits],
              searching: false,
              error: null,
              nextBeforeId: page.nextBeforeId,
              unindexed: page.unindexed,
            }));
            // First page only: a later page keeps what is shown above it.
            if (page.unindexed > 0 && beforeId === undefined)
              window.setTimeout(() => {
                if (mine === latest.current) run(mine);
              }, REINDEX_RETRY_MS);
          },
          (err: unknown) => {
            if (mine === latest.current)
              setState({ hits: [], searching: false, error: errorMessage(err) });
          },
        );
    },
    [client, text],
  );

  useEffect(() => {
    const mine = ++latest.current;
    if (text === '') {
      setState({ hits: [], searching: false, error: null });
      return;
    }
    setState((s) => ({ ...s, searching: true }));
    const timer = window.setTimeout(() => run(mine), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [run, text]);

  const loadMore = useCallback(() => {
    if (state.nextBeforeId == null) return;
    setState((s) => ({ ...s, searching: true }));
    run(latest.current, state.nextBeforeId);
  }, [run, state.nextBeforeId]);

  return { ...state, loadMore };
}
