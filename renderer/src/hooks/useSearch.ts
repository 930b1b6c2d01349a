// Message search as the user types: debounced, and only the latest query's
// answer is shown.
import { useEffect, useRef, useState } from 'react';
import type { SearchHit } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { SNIPPET_MARKERS } from '../lib/markedText.js';

const DEBOUNCE_MS = 200;

export interface SearchState {
  hits: SearchHit[];
  searching: boolean;
  error: string | null;
  /** Why the hits may not be everything (more pages, messages not indexed yet); null if complete. */
  partialHint?: string | null;
}

export function useSearch(query: string): SearchState {
  const client = useClient();
  const [state, setState] = useState<SearchState>({ hits: [], searching: false, error: null });
  const latest = useRef(0);

  useEffect(() => {
    const text = query.trim();
    const mine = ++latest.current;
    if (text === '') {
      setState({ hits: [], searching: false, error: null });
      return;
    }
    setState((s) => ({ ...s, searching: true }));
    const timer = window.setTimeout(() => {
      client.call('search.query', { query: text, limit: 50, markers: SNIPPET_MARKERS }).then(
        (page) => {
          if (mine === latest.current)
            setState({
              hits: page.hits,
              searching: false,
              error: null,
              partialHint: page.partial ? page.hint : null,
            });
        },
        (err: unknown) => {
          if (mine === latest.current)
            setState({ hits: [], searching: false, error: errorMessage(err) });
        },
      );
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [client, query]);

  return state;
}
