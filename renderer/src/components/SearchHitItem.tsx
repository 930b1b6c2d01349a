// One search result under its chat's heading: who, when, and the snippet with
// its matches marked. Long names and snippets are cut with an ellipsis (the
// snippet after two lines); the full text is in the title.
import type { SearchHit } from '../../../main/daemon/model/types.js';
import { fullTime, shortTime } from '../lib/format.js';
import { MarkedText } from './MarkedText.js';

export function SearchHitItem({ hit, onOpen }: { hit: SearchHit; onOpen(hit: SearchHit): void }) {
  return (
    <li className="search-hit">
      <button type="button" onClick={() => onOpen(hit)}>
        <span className="search-hit-head">
          <span className="search-hit-sender" title={hit.senderName}>
            {hit.senderName}
          </span>
          <time dateTime={new Date(hit.ts).toISOString()} title={fullTime(hit.ts)}>
            {shortTime(hit.ts)}
          </time>
        </span>
        <span className="search-hit-snippet">
          <MarkedText text={hit.snippet} />
        </span>
      </button>
    </li>
  );
}
