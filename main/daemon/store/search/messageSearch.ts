// Message search over the two contentless FTS5 indexes.
//
// Query shape is everything (see shared/design/PERFORMANCE.md). messages.id is
// a time-ordered key and is the rowid of both indexes, so a newest-first search
// is one index walk that stops after a page:
//
//   SELECT … FROM messages_fts f JOIN messages m ON m.id = f.rowid
//   WHERE f.messages_fts MATCH ? AND <filters> ORDER BY f.rowid DESC LIMIT ?
//
// - which index drives: the word index when there is a positive word, phrase,
//   from: term or a substring the vocabulary narrows to words; else messages
//   itself, by id DESC (operator-only queries; a substring nothing narrows,
//   SUBSTRING_SCAN_ROWS messages per call);
// - under a word search, in: and has:attachment are also words of the FTS5
//   query (scope tokens, search/scopeTokens.ts), so a small chat or the
//   messages with files drive the walk with the words;
// - the other filters are checked on the row; small id sets (in: chats,
//   is:unread, has:attachment) are also applied as a bloom-filtered membership test while the text index
//   walks, so a rare filter does not look up every text hit's row;
// - before:/after:/beforeId become rowid ranges on the driving table;
// - substring terms select candidates as the words of the substring
//   vocabulary that can hold them (search/substringLookup.ts) and are
//   verified on the row with a folded instr();
// - word terms search body and subject; from: searches the sender column;
// - relevance: the newest ≤ RELEVANCE_CANDIDATES matches are scored with bm25
//   and blended with recency (see blendScore), never all matches.
import { VocabularyIndexer } from './vocabularyIndexer.js';
import { substringLookup } from './substringLookup.js';
import { WordReindexer } from './wordReindexer.js';
import { tokensStartingWith } from './longWordTokens.js';
import type { Statement } from 'better-sqlite3';
import type { Db, ReadDb, WriteDb } from '../database.js';
import type { SearchHit, SearchPage } from '../../model/types.js';
import { keyToTs, tsLowerBound } from '../messageKey.js';
import { fold, hasCjk } from './indexText.js';
import {
  ftsPhrase,
  ftsString,
  indexTokens,
  parseQuery,
  shortPrefixPhrase,
  type ParsedQuery,
  type TextTerm,
} from './queryParser.js';
import { containsTerm, DEFAULT_MARKERS, makeSnippet, termFrequency } from './snippet.js';
import { ATTACHMENT_TOKEN, chatToken } from './scopeTokens.js';

export interface SearchOptions {
  /** Page size; 1..500, default 50. */
  limit?: number;
  /** 'newest' (default): time order, newest first. 'relevance': see blendScore. */
  order?: 'newest' | 'relevance';
  /** Markers wrapped around matches in snippets; default '[' and ']'. */
  markers?: [string, string];
  /** Only messages with a smaller id (the last hit's messageId: the next page, newest-first). */
  beforeId?: number;
  /**
   * Every chat's id and name from memory (the chat list cache), for `in:`;
   * without it, or when it answers null, the names are read from SQL.
   */
  chatNames?: ChatNames;
}

/**
 * The chats an `in:` value is matched against, or null when only SQL can say.
 * `generation` changes whenever the list does (the chat list cache's count).
 */
export type ChatNames = () => {
  readonly chats: readonly {
    readonly id: number;
    readonly name: string;
    readonly unreadCount: number;
  }[];
  readonly generation: number;
} | null;

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const RELEVANCE_CANDIDATES = 1000;
/**
 * A substring search indexes at most this many queued messages before it runs
 * (a few tens of milliseconds); the rest is left to the background indexer.
 */
export const SEARCH_INDEX_SLICE = 1000;
/** Recency half-life of the relevance blend. */
export const RECENCY_HALF_LIFE_DAYS = 30;
const DAY_MS = 86_400_000;
/** Column weights for bm25(messages_fts): body, subject, sender. */
const BM25_WEIGHTS = '1.0, 2.0, 0.0';
/** At most this many known people widen a from: value by their remote id. */
const FROM_PEOPLE_LIMIT = 50;

/**
 * Relevance blended with recency: −bm25 (larger is better) times a recency
 * factor that falls from 1 (the newest candidate) towards 0.5 with a 30-day
 * half-life. An old message must be up to twice as relevant to outrank a new one.
 *   score = −bm25 × (0.5 + 0.5 × 2^(−age_days / 30)),  age relative to the newest candidate.
 */
export function blendScore(bm25: number, ageMs: number): number {
  const ageDays = Math.max(0, ageMs) / DAY_MS;
  return -bm25 * (0.5 + 0.5 * Math.pow(2, -ageDays / RECENCY_HALF_LIFE_DAYS));
}

export interface ChatMatchRow {
  chatId: number;
  accountId: number;
  name: string;
}

interface HitRow {
  id: number;
  chat_id: number;
  chat_name: string;
  account_id: number;
  sender_name: string;
  ts: number;
  body: string;
  subject: string | null;
}

// Hit rows are read as arrays and named here (hitRow): better-sqlite3 builds
// a row object key by key through V8's API, which costs more than a literal
// built in JS (see readModel.ts). The two keep the same order.
const HIT_COLUMNS = `m.id, m.chat_id, c.name AS chat_name, m.account_id, m.sender_name, m.ts, m.body, m.subject`;

/** A row of HIT_COLUMNS, by position. */
function hitRow(t: unknown[]): HitRow {
  return {
    id: t[0] as number,
    chat_id: t[1] as number,
    chat_name: t[2] as string,
    account_id: t[3] as number,
    sender_name: t[4] as string,
    ts: t[5] as number,
    body: t[6] as string,
    subject: t[7] as string | null,
  };
}

/** The hits of a statement selecting HIT_COLUMNS. */
function hitRows(db: Db, sql: string, params: unknown[]): HitRow[] {
  return (rawStmt(db, sql).all(...params) as unknown[][]).map(hitRow);
}

interface CompiledSearch {
  /** Which table walks in rowid order. */
  driver: 'fts' | 'messages';
  /** FROM … WHERE …, without SELECT, ORDER BY and LIMIT. */
  body: string;
  params: unknown[];
  /** The driving table's rowid. */
  key: string;
  /**
   * Checks for terms matched by a shorter prefix than their own
   * (shortPrefixPhrase): each hit must pass them all (newestRows).
   */
  verify: ((row: HitRow) => boolean)[];
  /**
   * A walk of the messages for a substring nothing narrows stops here (the
   * oldest id it looks at); null when it may go to the end.
   */
  scanFloor: number | null;
  /** Whether a word, phrase or from: term drives: something for relevance to score. */
  scored: boolean;
  /** The exclusive upper bound on ids (before:, or the page's beforeId); null for none. */
  high: number | null;
  /** Where `high` is in params (-1 without it). */
  highParam: number;
  /**
   * Whether newestRows may read windows below `high` (windowBelowBound): the
   * word index drives and only words narrow it. (Under in:, from:, has: or
   * is:unread, a window of all messages holds few of the hits.)
   */
  windowable: boolean;
  /** The inclusive lower bound on ids (after:); null for none. */
  low: number | null;
  /** What it was compiled with (compileSearch's `shortPrefixes`). */
  shortPrefixes: boolean;
}

/**
 * How many candidates of a shortened prefix ("submod" * for "submodule") are
 * checked per hit wanted before the search falls back to the term's own
 * prefix from where it got to. Nearly every candidate holds the term in the
 * usual case; when the short prefix is far more common ("commit" * for
 * "committer"), the fallback bounds the detour to a few row reads per hit
 * (~0.5 ms for a page of 50).
 */
const SHORT_PREFIX_CANDIDATES_PER_HIT = 3;
/**
 * After this many candidates, fewer than one hit in three means the short
 * prefix is mostly other words: the term's own prefix is cheaper from there.
 */
const SHORT_PREFIX_PROBE = 24;

/** The hits alone (tests, tools); the API answers with searchPage. */
export function searchMessages(
  db: WriteDb,
  query: string,
  options: SearchOptions = {},
): SearchHit[] {
  return searchPage(db, query, options).hits;
}

/**
 * A page of hits and whether it is everything: `partial` when more hits
 * exist than the page holds (`nextBeforeId` continues, newest-first), when
 * relevance ranked only the newest candidates, or when messages the query
 * depends on are not indexed yet (`unindexed`; the background indexer is
 * working through them, so the same search later finds more).
 */
export function searchPage(db: WriteDb, query: string, options: SearchOptions = {}): SearchPage {
  return searchParsedPage(db, parseQuery(query), options);
}

export function searchParsed(
  db: WriteDb,
  parsed: ParsedQuery,
  options: SearchOptions = {},
): SearchHit[] {
  return searchParsedPage(db, parsed, options).hits;
}

function searchParsedPage(db: WriteDb, parsed: ParsedQuery, options: SearchOptions): SearchPage {
  const limit = clampLimit(options.limit);
  const markers = options.markers ?? DEFAULT_MARKERS;
  const unindexed = catchUpIndexes(db, parsed);
  // Relevance scores candidates by the term itself: it keeps the term's own prefix.
  const compiled = compileSearch(
    db,
    parsed,
    options.beforeId,
    options.order !== 'relevance',
    options.chatNames,
  );
  if (!compiled) return page([], false, null, unindexed, false);

  let rows: HitRow[];
  let more = false;
  let ranked = false;
  const byRelevance = options.order === 'relevance' && compiled.scored;
  if (byRelevance) {
    // Score the newest candidates only, then hydrate the page.
    const single = singleScoredTerm(parsed);
    const candidates = single
      ? scoreInJs(
          (
            rawStmt(db, textCandidateSql(compiled)).all(
              ...compiled.params,
              RELEVANCE_CANDIDATES,
            ) as unknown[][]
          ).map(candidateText),
          single,
        )
      : (stmt(db, candidateSql(compiled)).all(...compiled.params, RELEVANCE_CANDIDATES) as {
          id: number;
          score: number;
        }[]);
    ranked = candidates.length === RELEVANCE_CANDIDATES;
    more = candidates.length > limit;
    const newest = candidates.reduce((mx, r) => Math.max(mx, keyToTs(r.id)), 0);
    const top = candidates
      .map((r) => ({ id: r.id, s: blendScore(r.score, newest - keyToTs(r.id)) }))
      .sort((a, b) => b.s - a.s || b.id - a.id)
      .slice(0, limit)
      .map((x) => x.id);
    const byId = new Map<number, HitRow>();
    if (top.length) {
      const hydrate =
        `SELECT ${HIT_COLUMNS} FROM messages m JOIN chats c ON c.id = m.chat_id ` +
        `WHERE m.id IN (${top.map(() => '?').join(',')})`;
      for (const r of hitRows(db, hydrate, top)) byId.set(r.id, r);
    }
    rows = top.map((id) => byId.get(id)).filter((r): r is HitRow => r !== undefined);
  } else {
    // Newest first; also relevance without a word term (nothing for bm25 to score).
    // One row more than the page tells whether there is a next page.
    rows = newestRows(db, parsed, compiled, limit + 1, options.chatNames);
    more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
  }
  // A bounded walk that did not fill the page continues below where it stopped.
  const scanStopped = !more && !byRelevance && compiled.scanFloor !== null;

  const hits = rows.map((r) => ({
    messageId: r.id,
    chatId: r.chat_id,
    chatName: r.chat_name,
    accountId: r.account_id,
    senderName: r.sender_name,
    ts: r.ts,
    snippet: makeSnippet(r.body, r.subject, parsed.terms, markers),
  }));
  // Relevance pages are not in id order: beforeId would skip ranked hits.
  const nextBeforeId = scanStopped
    ? compiled.scanFloor
    : more && !byRelevance
      ? hits.at(-1)!.messageId
      : null;
  return page(hits, more || scanStopped, nextBeforeId, unindexed, ranked);
}

/**
 * Up to `want` hits, newest first. With shortened prefixes, candidates are
 * read newest first and kept when they hold every verified term; after
 * a budget of candidates the rest comes from the query with the
 * terms' own prefixes, below the last candidate read (every match above it
 * was a candidate, so none is skipped or repeated). Below a bound, the
 * newest messages under it are looked at first (windowBelowBound).
 */
function newestRows(
  db: Db,
  parsed: ParsedQuery,
  compiled: CompiledSearch,
  want: number,
  chatNames: ChatNames | undefined,
  window = true,
): HitRow[] {
  if (window && compiled.windowable) return windowBelowBound(db, parsed, compiled, want, chatNames);
  if (compiled.verify.length === 0)
    return hitRows(db, pageSql(compiled), [...compiled.params, want]);
  const rows: HitRow[] = [];
  const budget = SHORT_PREFIX_CANDIDATES_PER_HIT * want;
  let read = 0;
  let lastRead: number | null = null;
  const candidates = rawStmt(db, pageSql(compiled)).iterate(
    ...compiled.params,
    budget,
  ) as IterableIterator<unknown[]>;
  let exhausted = true;
  for (const tuple of candidates) {
    const row = hitRow(tuple);
    read++;
    lastRead = row.id;
    if (compiled.verify.every((holds) => holds(row)) && rows.push(row) === want) break;
    if (read === budget || (read >= SHORT_PREFIX_PROBE && rows.length * 3 < read)) {
      exhausted = false;
      break;
    }
  }
  if (rows.length < want && !exhausted) {
    const rest = compileSearch(db, parsed, lastRead!, false, chatNames);
    if (rest) rows.push(...hitRows(db, pageSql(rest), [...rest.params, want - rows.length]));
  }
  return rows;
}

/**
 * The word index walks newest-first to a bound by stepping over every entry
 * above it ("the" below 2010: 370k entries, 1.3 ms at 1M messages), but seeks
 * oldest-first to one at once. So below a bound, the hits among the newest
 * messages under it are read oldest-first, a window at a time (0.2 ms for
 * "the"). Each next window is sized by the hits the last one held; after
 * WINDOWS_MAX, or a window with none, the search goes on newest-first below
 * the last window, as it would have without them.
 */
function windowBelowBound(
  db: Db,
  parsed: ParsedQuery,
  compiled: CompiledSearch,
  want: number,
  chatNames: ChatNames | undefined,
): HitRow[] {
  const windowEdge = stmt(
    db,
    `SELECT id FROM messages WHERE id < CAST(? AS INTEGER) ORDER BY id DESC LIMIT 1 OFFSET ?`,
  ).pluck();
  const inWindow =
    `SELECT ${HIT_COLUMNS} ${compiled.body} AND ${compiled.key} >= CAST(? AS INTEGER) ` +
    `ORDER BY ${compiled.key} ASC`;
  const lowest = compiled.low ?? 0;
  const rows: HitRow[] = [];
  let top = compiled.high!;
  let size = WINDOW_MESSAGES_PER_HIT * want;
  for (let n = 0; n < WINDOWS_MAX; n++) {
    const edge = windowEdge.get(top, size - 1) as number | undefined;
    // Fewer messages than the window below its top (or after: cuts it): it holds them all.
    const floor = edge === undefined || edge <= lowest ? lowest : edge;
    const params = [...compiled.params];
    params[compiled.highParam] = top;
    const found = hitRows(db, inWindow, [...params, floor])
      .reverse()
      .filter((row) => compiled.verify.every((holds) => holds(row)));
    rows.push(...found);
    if (rows.length >= want) return rows.slice(0, want);
    if (floor === lowest) return rows;
    top = floor;
    // One hit or none says too little to size the next window by.
    if (found.length < 2) break;
    const needed = Math.ceil((size * 1.5 * (want - rows.length)) / found.length);
    size = Math.min(size * WINDOW_GROWTH_MAX, needed);
  }
  // The same query below the last window: only its bound moves (no second compile).
  const params = [...compiled.params];
  params[compiled.highParam] = top;
  const rest = { ...compiled, params, high: top };
  return [...rows, ...newestRows(db, parsed, rest, want - rows.length, chatNames, false)];
}

/**
 * The first window below a bound holds this many messages per hit wanted:
 * words in a quarter of all messages or more fill a page from it.
 */
const WINDOW_MESSAGES_PER_HIT = 4;
/**
 * At most this many windows, each at most this many times the last: a
 * window's hits are all read, so a guess from a sparse window must not
 * open one that holds thousands.
 */
const WINDOWS_MAX = 3;
const WINDOW_GROWTH_MAX = 4;

function page(
  hits: SearchHit[],
  more: boolean,
  nextBeforeId: number | null,
  unindexed: number,
  ranked: boolean,
): SearchPage {
  const hints: string[] = [];
  if (nextBeforeId !== null) hints.push(`more results: repeat with beforeId ${nextBeforeId}`);
  else if (more || ranked)
    hints.push(
      ranked
        ? `ranked among the newest ${RELEVANCE_CANDIDATES} matches: add words or filters, or page newest-first`
        : 'more results: page newest-first (order newest) to see them all',
    );
  if (unindexed > 0)
    hints.push(
      `${unindexed} messages are not indexed for this query yet: these results cover the rest; search again shortly`,
    );
  return {
    hits,
    partial: more || ranked || unindexed > 0,
    nextBeforeId,
    unindexed,
    hint: hints.length ? hints.join('; ') : null,
  };
}

/**
 * Indexes one bounded slice of what the query depends on and returns how many
 * messages are still waiting: substring terms need the vocabulary's backlog, CJK
 * words the word reindex backlog (migration 007). Never the whole backlog: a
 * search after an upgrade must not index all history in one call.
 */
function catchUpIndexes(db: WriteDb, parsed: ParsedQuery): number {
  let waiting = 0;
  if (parsed.terms.some((t) => t.kind === 'substring')) {
    const vocabulary = indexersFor(db).vocabulary;
    vocabulary.drain(SEARCH_INDEX_SLICE);
    waiting += vocabulary.backlog();
  }
  if (parsed.terms.some((t) => t.kind !== 'substring' && hasCjk(t.text))) {
    const words = indexersFor(db).words;
    words.drain(SEARCH_INDEX_SLICE);
    waiting += words.backlog();
  }
  return waiting;
}

function pageSql(c: CompiledSearch): string {
  return `SELECT ${HIT_COLUMNS} ${c.body} ORDER BY ${c.key} DESC LIMIT ?`;
}

function textCandidateSql(c: CompiledSearch): string {
  return `SELECT m.id, m.body, m.subject, m.sender_name ${c.body} ORDER BY ${c.key} DESC LIMIT ?`;
}

interface CandidateText {
  id: number;
  body: string;
  subject: string | null;
  sender_name: string;
}

/** A row of textCandidateSql, by position. */
const candidateText = (t: unknown[]): CandidateText => ({
  id: t[0] as number,
  body: t[1] as string,
  subject: t[2] as string | null,
  sender_name: t[3] as string,
});

/** bm25's constants, as FTS5's bm25() has them. */
const BM25_K1 = 1.2;
const BM25_B = 0.75;
const BODY_WEIGHT = 1;
const SUBJECT_WEIGHT = 2;

/**
 * The one text term relevance scores, when the query has exactly one positive
 * word or phrase and nothing else bm25 would score (from: is a phrase on the
 * sender column, weighted 0, so it does not count); else null.
 */
function singleScoredTerm(parsed: ParsedQuery): TextTerm | null {
  const positive = parsed.terms.filter((t) => !t.negated && t.kind !== 'substring');
  return positive.length === 1 ? positive[0]! : null;
}

/**
 * bm25 of one term, computed here from the candidates' text instead of by
 * FTS5's bm25(): that function first counts every row holding the term to get
 * its idf (a scan of the whole doclist: 25–45 ms for "the" at 1M messages),
 * and with one term the idf multiplies every score alike, so the order needs
 * only the term frequency part. Column weights as BM25_WEIGHTS (body 1,
 * subject 2, sender 0); the average length is the candidates' own.
 * Returned as bm25() returns it: negative, smaller is better.
 */
function scoreInJs(rows: CandidateText[], term: TextTerm): { id: number; score: number }[] {
  const stats = rows.map((r) => {
    const body = termFrequency(r.body, term);
    const subject = r.subject ? termFrequency(r.subject, term) : { hits: 0, tokens: 0 };
    const sender = r.sender_name.split(/\s+/u).filter(Boolean).length;
    return {
      id: r.id,
      freq: BODY_WEIGHT * body.hits + SUBJECT_WEIGHT * subject.hits,
      length: body.tokens + subject.tokens + sender,
    };
  });
  const avg = stats.reduce((sum, s) => sum + s.length, 0) / Math.max(1, stats.length) || 1;
  return stats.map(({ id, freq, length }) => ({
    id,
    score: -(freq * (BM25_K1 + 1)) / (freq + BM25_K1 * (1 - BM25_B + (BM25_B * length) / avg) || 1),
  }));
}

function candidateSql(c: CompiledSearch): string {
  return `SELECT m.id, bm25(f.messages_fts, ${BM25_WEIGHTS}) AS score ${c.body} ORDER BY ${c.key} DESC LIMIT ?`;
}

/**
 * The statement a query runs, with its parameters (for tests and EXPLAIN QUERY
 * PLAN); null when the query cannot match anything.
 */
export function explainSearch(
  db: Db,
  query: string,
  options: SearchOptions = {},
): { sql: string; params: unknown[]; driver: CompiledSearch['driver'] } | null {
  const c = compileSearch(db, parseQuery(query), options.beforeId);
  if (!c) return null;
  ensureFunctions(db);
  if (options.order === 'relevance' && c.scored)
    return { sql: candidateSql(c), params: [...c.params, RELEVANCE_CANDIDATES], driver: c.driver };
  return { sql: pageSql(c), params: [...c.params, clampLimit(options.limit)], driver: c.driver };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

/**
 * Below this many messages, an in:, is:unread or has:attachment filter is also
 * applied as an id set: a membership test while a text index walks, instead of
 * looking up every text hit's row. Above it the filter is a large share of all
 * messages and the plain row check finds a page quickly.
 */
const ID_SET_MAX = 20_000;
/**
 * Up to this many unread messages, is:unread is a set built from the
 * (chat_id, id) index (~0.5 µs a message). Beyond it unread messages are common
 * enough that walking the text hits newest-first finds a page sooner (~2 µs a
 * hit, about 50 × total / unread hits): the two cross near sqrt(200 × total),
 * 4.5k unread at 100k messages and 14k at 1M.
 */
const UNREAD_SET_MAX = 5_000;

/**
 * `shortPrefixes`: word terms longer than the prefix indexes match by their
 * first PREFIX_INDEX_MAX characters, and the hits are verified (newestRows).
 */
function compileSearch(
  db: Db,
  parsed: ParsedQuery,
  beforeId: number | undefined,
  shortPrefixes = false,
  chatNames?: ChatNames,
): CompiledSearch | null {
  ensureFunctions(db);
  // ---- Filters that resolve to ids or ranges first; an impossible one ends the search. ----
  let low: number | null = null;
  let high: number | null = null; // exclusive
  let chatIds: number[] | null = null;
  let accountIds: number[] | null = null;
  const senderClauses: string[] = [];
  let hasAttachment = false;
  let unread = false;
  const verify: ((row: HitRow) => boolean)[] = [];

  for (const f of parsed.filters) {
    switch (f.kind) {
      case 'after':
        low = Math.max(low ?? 0, tsLowerBound(f.ts));
        break;
      case 'before':
        high = Math.min(high ?? Number.MAX_SAFE_INTEGER, tsLowerBound(f.ts));
        break;
      case 'in':
        chatIds = intersect(chatIds, chatIdsNamed(db, f.value, chatNames));
        break;
      case 'account':
        accountIds = intersect(accountIds, accountIdsMatching(db, f.value));
        break;
      case 'from': {
        const sender = senderClause(db, f.value, shortPrefixes);
        if (sender === null) return null;
        senderClauses.push(sender.clause);
        if (sender.verify) verify.push(sender.verify);
        break;
      }
      case 'has':
        hasAttachment = true;
        break;
      case 'is':
        unread = true;
        break;
    }
  }
  const hasFilters =
    chatIds !== null ||
    accountIds !== null ||
    senderClauses.length > 0 ||
    hasAttachment ||
    unread ||
    low !== null ||
    high !== null;
  if (beforeId !== undefined && Number.isFinite(beforeId))
    high = Math.min(high ?? Number.MAX_SAFE_INTEGER, Math.floor(beforeId));
  if (chatIds?.length === 0 || accountIds?.length === 0) return null;
  if (low !== null && high !== null && low >= high) return null;

  // ---- Text terms. ----
  const posWords: string[] = [];
  const negWords: string[] = [];
  const posSubs: TextTerm[] = [];
  const negSubs: TextTerm[] = [];
  for (const t of parsed.terms) {
    if (t.kind === 'substring') {
      (t.negated ? negSubs : posSubs).push(t);
      continue;
    }
    const cut = shortPrefixes && !t.negated ? shortPrefixPhrase(t) : null;
    // A long word of one token and few tokens starting with it: those tokens
    // OR-ed, exact, so nothing to verify (search/longWordTokens.ts).
    const single = cut !== null ? indexTokens(t.text) : [];
    if (single.length === 1) {
      const own = tokensStartingWith(db, single[0]!.toLowerCase());
      if (own === '') return null; // no message holds the word
      if (own !== null) {
        posWords.push(own);
        continue;
      }
    }
    const short = cut !== null && !rareWord(db, t) ? cut : null;
    if (short !== null) {
      posWords.push(short);
      verify.push(
        (row) =>
          containsTerm(row.body, t) || (row.subject !== null && containsTerm(row.subject, t)),
      );
      continue;
    }
    const phrase = ftsPhrase(t.text, t.kind === 'word');
    if (phrase === null) continue;
    (t.negated ? negWords : posWords).push(phrase);
  }
  if (posWords.length + negWords.length + posSubs.length + negSubs.length === 0 && !hasFilters)
    return null; // an empty query finds nothing

  // A substring drives as the vocabulary's words that can hold it (search/substringLookup.ts).
  const substringMatches: string[] = [];
  let substringScan = false;
  for (const t of posSubs) {
    const lookup = substringLookup(db, fold(t.text));
    if (lookup.kind === 'nothing') return null;
    if (lookup.kind === 'words') substringMatches.push(lookup.match);
    else substringScan = true;
  }
  const positiveFts: string[] = [];
  if (posWords.length) positiveFts.push(`{body subject} : (${posWords.join(' AND ')})`);
  if (substringMatches.length)
    positiveFts.push(`{body subject} : (${substringMatches.join(' AND ')})`);
  positiveFts.push(...senderClauses);
  // Under a word search, in: and has:attachment join the FTS5 query as scope
  // tokens (search/scopeTokens.ts) once every row has them; the row checks below stay.
  const scoped = positiveFts.length > 0 && scopeTokensReady(db);
  const chatsByToken = scoped && chatIds !== null && chatIds.length <= SCOPE_TOKEN_CHATS_MAX;
  if (chatsByToken) positiveFts.push(chatIds!.map((id) => ftsString(chatToken(id))).join(' OR '));
  // Without words, has:attachment drives by its token too (not under in:,
  // where walking the chat is cheaper, nor beside a substring scan): the
  // token's doclist holds the newest attachments, where walking messages read
  // ~30 rows per hit at 3% attachments (SQL 0.35 → 0.27 ms at 1M).
  const attachmentsByToken =
    hasAttachment &&
    (scoped ||
      (positiveFts.length === 0 && chatIds === null && !substringScan && scopeTokensReady(db)));
  if (attachmentsByToken) positiveFts.push(ftsString(ATTACHMENT_TOKEN));
  const negativeFts = negWords.length ? `{body subject} : (${negWords.join(' OR ')})` : null;

  const driver: CompiledSearch['driver'] = positiveFts.length ? 'fts' : 'messages';
  const key = driver === 'fts' ? 'f.rowid' : 'm.id';

  let from: string;
  const params: unknown[] = [];
  const where: string[] = [];
  if (driver === 'fts') {
    let match = positiveFts.map((p) => `(${p})`).join(' AND ');
    if (negativeFts) match = `(${match}) NOT (${negativeFts})`;
    from = `messages_fts f JOIN messages m ON m.id = f.rowid`;
    where.push(`f.messages_fts MATCH ?`);
    params.push(match);
  } else {
    from = `messages m`;
  }
  from += ` JOIN chats c ON c.id = m.chat_id`;

  // better-sqlite3 binds a JS number as a REAL; FTS5 seeks to a rowid bound
  // only when it is an INTEGER and otherwise walks every hit above it
  // (`before:2010-01-01 the`: 40 ms instead of 0.6 ms at 1M messages).
  if (low !== null) {
    where.push(`${key} >= CAST(? AS INTEGER)`);
    params.push(low);
  }
  let highParam = -1;
  if (high !== null) {
    where.push(`${key} < CAST(? AS INTEGER)`);
    highParam = params.push(high) - 1;
  }
  let scanFloor: number | null = null;
  if (driver === 'messages' && substringScan && chatIds === null) {
    // A substring nothing narrows is looked for in the newest
    // SUBSTRING_SCAN_ROWS messages below the page's bound per call.
    const floor = stmt(db, `SELECT id FROM messages WHERE id < ? ORDER BY id DESC LIMIT 1 OFFSET ?`)
      .pluck()
      .get(high ?? Number.MAX_SAFE_INTEGER, SUBSTRING_SCAN_ROWS - 1) as number | undefined;
    if (floor !== undefined && (low === null || floor > low)) {
      scanFloor = floor;
      where.push(`m.id >= CAST(? AS INTEGER)`);
      params.push(floor);
    }
  }
  where.push(`m.deleted = 0`);
  if (chatIds) {
    const [inList, inParams] = idList(chatIds);
    // (Counting is skipped where it decides nothing: one chat walked, or chats as tokens.)
    const small =
      (driver === 'messages' && chatIds.length === 1) || chatsByToken
        ? true
        : idCountAtMost(db, chatIds, ID_SET_MAX);
    // Walking messages: one chat is an index walk in id order; several small
    // chats are read by index and sorted (≤ ID_SET_MAX rows); a large share of
    // all messages is found soonest by walking messages newest-first ("+").
    const plus = driver === 'messages' && chatIds.length > 1 && !small ? '+' : '';
    where.push(`${plus}m.chat_id ${inList}`);
    params.push(...inParams);
    if (driver !== 'messages' && small && !chatsByToken) {
      // "+" keeps the set a membership test: the text index still drives.
      where.push(`+${key} IN (SELECT id FROM messages WHERE chat_id ${inList})`);
      params.push(...inParams);
    }
  }
  if (accountIds) {
    const [inList, inParams] = idList(accountIds);
    where.push(`m.account_id ${inList}`);
    params.push(...inParams);
  }
  if (hasAttachment) {
    where.push(`m.has_attachment = 1`);
    if (attachmentsByToken) {
      // The word index's attachment token already narrowed the walk.
    } else if (driver !== 'messages') {
      // Under a text index: a probe of attachments' message index per text hit,
      // before the hit's row is read (a row read is a page miss at 1M
      // messages, the probe a small index that stays cached): 3.9 → 3.0 ms
      // for "has:attachment kernel" with 30k attachments, where building
      // them as a set cost more than it saved.
      where.push(`EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = ${key})`);
    } else if (attachmentEstimate(db) <= ID_SET_MAX) {
      // Walking messages: few attachments as a set (attachments is indexed by
      // message); many: the row check finds a page quickly.
      where.push(`${key} IN (SELECT message_id FROM attachments)`);
    }
  }
  if (unread) {
    where.push(`m.from_self = 0 AND m.id > ${READ_UPTO('m.chat_id')}`);
    if (unreadEstimate(db, chatNames) <= UNREAD_SET_MAX) {
      // The unread messages as a set: one index range per chat with unread
      // messages (by the batch writer's counter, which never undercounts);
      // CROSS JOIN keeps the chats outside, so no table scan; the set is read
      // from the (chat_id, id) index alone (from_self is checked per hit). Under a text
      // search it is a membership test ("+"); alone it drives (≤ ID_SET_MAX
      // rows, walked in id order) instead of walking back to the oldest unread.
      const plus = driver === 'messages' ? '' : '+';
      where.push(
        `${plus}${key} IN (SELECT u.id FROM chats uc CROSS JOIN messages u ON u.chat_id = uc.id ` +
          `AND u.id > ${READ_UPTO('uc.id')} WHERE uc.unread_count > 0)`,
      );
    }
  }
  for (const t of posSubs) {
    where.push(`parley_folded_contains(m.subject, m.body, ?)`);
    params.push(fold(t.text));
  }
  for (const t of negSubs) {
    where.push(`NOT parley_folded_contains(m.subject, m.body, ?)`);
    params.push(fold(t.text));
  }
  if (negativeFts && driver !== 'fts') {
    where.push(`m.id NOT IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)`);
    params.push(negativeFts);
  }
  return {
    driver,
    key,
    body: `FROM ${from} WHERE ${where.join(' AND ')}`,
    params,
    verify: driver === 'fts' ? verify : [],
    scanFloor,
    scored: posWords.length > 0 || senderClauses.length > 0,
    high,
    highParam,
    windowable:
      driver === 'fts' &&
      high !== null &&
      chatIds === null &&
      accountIds === null &&
      senderClauses.length === 0 &&
      !hasAttachment &&
      !unread,
    low,
    shortPrefixes,
  };
}

const READ_UPTO = (chat: string): string =>
  `coalesce((SELECT r.read_upto_id FROM read_positions r WHERE r.chat_id = ${chat}), 0)`;

/**
 * An in: naming more chats than this checks rows instead of OR-ing their
 * tokens (a few dozen small doclists merge quickly; hundreds would not).
 */
const SCOPE_TOKEN_CHATS_MAX = 32;

/**
 * A substring no vocabulary word narrows ("*a b*") is looked for in at most
 * this many messages per call, newest first (~0.1 s); the page says where to
 * go on from.
 */
const SUBSTRING_SCAN_ROWS = 50_000;

/**
 * A long word whose exact form is in at most this many messages is looked up
 * by its own prefix: the prefix's doclists are small, where its 6-character
 * prefix would read rows of other words to check ("predic" for "predicate":
 * 150 candidate rows for 50 hits). 1M profile, CPU per search: own prefix
 * 0.36–0.87 ms against 0.98–2.15 for rare words, but 1.40–2.50 against
 * 0.48–0.59 for words in 5k+ messages (packfile, submodule).
 */
const RARE_WORD_MESSAGES = 200;

/** Whether the term's exact form (no prefix) is in at most RARE_WORD_MESSAGES messages. */
function rareWord(db: Db, term: TextTerm): boolean {
  const exact = ftsPhrase(term.text, false);
  if (exact === null) return false;
  const n = stmt(
    db,
    `SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?)`,
  )
    .pluck()
    .get(`{body subject} : ${exact}`, RARE_WORD_MESSAGES + 1) as number;
  return n <= RARE_WORD_MESSAGES;
}

const scopeTokensComplete = new WeakSet<Db>();
/**
 * Whether every row of the word index has its scope tokens: the queue of
 * migration 013 is empty. It never fills again (new rows get them when
 * written), so once seen empty it is not asked again.
 */
function scopeTokensReady(db: Db): boolean {
  if (scopeTokensComplete.has(db)) return true;
  if (stmt(db, `SELECT 1 FROM scope_backlog LIMIT 1`).get() !== undefined) return false;
  scopeTokensComplete.add(db);
  return true;
}

type Indexers = { vocabulary: VocabularyIndexer; words: WordReindexer };
const indexers = new WeakMap<Db, Indexers>();
function indexersFor(db: WriteDb): Indexers {
  let found = indexers.get(db);
  if (!found)
    indexers.set(
      db,
      (found = { vocabulary: new VocabularyIndexer(db), words: new WordReindexer(db) }),
    );
  return found;
}

/** Whether these chats hold at most `max` messages (an index count that stops early). */
function idCountAtMost(db: Db, chatIds: number[], max: number): boolean {
  const [inList, inParams] = idList(chatIds);
  return countAtMost(db, `SELECT 1 FROM messages WHERE chat_id ${inList}`, max, inParams);
}

/** Whether `select` returns at most `max` rows (counting stops early). */
function countAtMost(db: Db, select: string, max: number, params: unknown[] = []): boolean {
  const n = stmt(db, `SELECT count(*) FROM (${select} LIMIT ?)`)
    .pluck()
    .get(...params, max + 1) as number;
  return n <= max;
}

/**
 * "= ?" for one id (an index walk in id order), else "IN (json_each(?))": one
 * parameter however many ids, so statements are reused and never exceed
 * SQLite's variable limit.
 */
function idList(ids: number[]): [string, unknown[]] {
  if (ids.length === 1) return ['= ?', ids];
  return ['IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]];
}

/**
 * Attachments by their id range (two index seeks; deleted rows make it an
 * overestimate): counting them stopped at ID_SET_MAX took ~1 ms per search
 * at 1M messages.
 */
function attachmentEstimate(db: Db): number {
  // One aggregate per subquery: SQLite seeks for min() or max() only when it is alone.
  return stmt(
    db,
    `SELECT coalesce((SELECT max(id) FROM attachments) - (SELECT min(id) FROM attachments) + 1, 0)`,
  )
    .pluck()
    .get() as number;
}

/**
 * Unread messages by the chats' denormalized counters (an estimate for
 * planning only): summed from the chat list in memory when there is one (SQL
 * reads all 2k chats: 0.15–0.25 ms at 1M messages), once per generation.
 */
function unreadEstimate(db: Db, chatNames: ChatNames | undefined): number {
  const list = chatNames?.();
  if (!list)
    return stmt(db, `SELECT total(unread_count) FROM chats WHERE unread_count > 0`)
      .pluck()
      .get() as number;
  const known = unreadTotals.get(list.chats);
  if (known && known.generation === list.generation) return known.total;
  let total = 0;
  for (const c of list.chats) total += c.unreadCount;
  unreadTotals.set(list.chats, { generation: list.generation, total });
  return total;
}
const unreadTotals = new WeakMap<object, { generation: number; total: number }>();

function intersect(a: number[] | null, b: number[]): number[] {
  if (a === null) return b;
  const keep = new Set(b);
  return a.filter((x) => keep.has(x));
}

/**
 * The sender-column clause of from:VALUE: the value's words as a phrase (last
 * word a prefix), or the name of a known person whose remote id starts with
 * the value. Null when nothing can match. With `shortPrefix`, a long last
 * word matches by its first PREFIX_INDEX_MAX characters and `verify` checks
 * each hit's sender name.
 */
function senderClause(
  db: Db,
  value: string,
  shortPrefix: boolean,
): { clause: string; verify: ((row: HitRow) => boolean) | null } | null {
  const alternatives: string[] = [];
  const term: TextTerm = { kind: 'word', text: value, negated: false };
  const short = shortPrefix ? shortPrefixPhrase(term) : null;
  const own = short ?? ftsPhrase(value, true);
  if (own) alternatives.push(own);
  // Ids starting with the value, ASCII case ignored (as LIKE did): one range
  // of people_by_remote_id (migration 015); U+10FFFF sorts after any
  // character an id can continue with.
  const names = stmt(
    db,
    `SELECT DISTINCT display_name FROM people
     WHERE remote_id >= ? COLLATE NOCASE AND remote_id < ? COLLATE NOCASE LIMIT ${FROM_PEOPLE_LIMIT}`,
  )
    .pluck()
    .all(value, value + String.fromCodePoint(0x10ffff)) as string[];
  const nameTerms: TextTerm[] = [];
  for (const name of names) {
    const phrase = ftsPhrase(name, false);
    if (phrase && !alternatives.includes(phrase)) {
      alternatives.push(phrase);
      nameTerms.push({ kind: 'phrase', text: name, negated: false });
    }
  }
  if (alternatives.length === 0) return null;
  const verify =
    short === null
      ? null
      : (row: HitRow) =>
          containsTerm(row.sender_name, term) ||
          nameTerms.some((name) => containsTerm(row.sender_name, name));
  return { clause: `{sender} : (${alternatives.join(' OR ')})`, verify };
}

interface ChatRow {
  id: number;
  account_id: number;
  name: string;
}

function chatIdsNamed(db: Db, value: string, chatNames: ChatNames | undefined): number[] {
  const needle = fold(value);
  const list = needle.includes(NAME_SEPARATOR) ? null : chatNames?.();
  // From memory: one indexOf over every folded name, where a SQL scan calling
  // back into JS for each of 2,000 names cost ~0.5 ms of every `in:` search.
  if (list) return namesIndex(list).idsContaining(needle);
  return stmt(db, `SELECT id FROM chats WHERE parley_folded_contains(NULL, name, ?)`)
    .pluck()
    .all(needle) as number[];
}

/** Between names in NamesIndex.text: a character no folded query holds (checked above). */
const NAME_SEPARATOR = '\u0000';

/** Every chat's folded name in one string, with where each starts. */
class NamesIndex {
  private readonly text: string;
  /** Where each name starts in `text`, ascending; ids[i] is its chat. */
  private readonly starts: number[] = [];
  private readonly ids: number[] = [];

  constructor(
    readonly generation: number,
    chats: readonly { readonly id: number; readonly name: string }[],
  ) {
    const parts: string[] = [];
    let at = 0;
    for (const c of chats) {
      const folded = foldedName(c.name);
      this.starts.push(at);
      this.ids.push(c.id);
      parts.push(folded);
      at += folded.length + 1;
    }
    this.text = parts.join(NAME_SEPARATOR);
  }

  /** The chats whose folded name contains `needle`, in ascending id order. */
  idsContaining(needle: string): number[] {
    const out: number[] = [];
    for (let at = this.text.indexOf(needle); at !== -1;) {
      const i = this.nameAt(at);
      out.push(this.ids[i]!);
      const next = this.starts[i + 1];
      if (next === undefined) break;
      at = this.text.indexOf(needle, next);
    }
    return out.sort((a, b) => a - b);
  }

  /** The index of the name holding position `at` (binary search over starts). */
  private nameAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Built once per version of a chat list (the list's array, as long as its generation holds). */
/**
 * Each name's fold, kept across rebuilds: a new message moves the chat list's
 * generation (its chat's preview and order change), but rarely a name, so a
 * rebuild is lookups rather than folding 2k names again. Emptied when it
 * outgrows the names in use (renamed chats leave their old names behind).
 */
const nameFolds = new Map<string, string>();
const NAME_FOLDS_MAX = 50_000;
function foldedName(name: string): string {
  let folded = nameFolds.get(name);
  if (folded === undefined) {
    if (nameFolds.size >= NAME_FOLDS_MAX) nameFolds.clear();
    folded = foldFast(name).replaceAll(NAME_SEPARATOR, '');
    nameFolds.set(name, folded);
  }
  return folded;
}

const namesIndexes = new WeakMap<object, NamesIndex>();
function namesIndex(list: NonNullable<ReturnType<ChatNames>>): NamesIndex {
  let index = namesIndexes.get(list.chats);
  if (!index || index.generation !== list.generation) {
    index = new NamesIndex(list.generation, list.chats);
    namesIndexes.set(list.chats, index);
  }
  return index;
}

function accountIdsMatching(db: Db, value: string): number[] {
  const numeric = /^\d+$/u.test(value) ? Number(value) : -1;
  return stmt(
    db,
    `SELECT id FROM accounts WHERE id = ? OR parley_folded_contains(label, username, ?)`,
  )
    .pluck()
    .all(numeric, fold(value)) as number[];
}

/**
 * Chats whose name contains the query (case- and diacritic-insensitive), for
 * a quick switcher: names starting with it first, then a word starting with
 * it, then anywhere; most recently active first within each group. An empty
 * query lists the most recently active chats.
 */
export function searchChats(db: ReadDb, query: string, limit = 20): ChatMatchRow[] {
  ensureFunctions(db);
  const n = Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit) || 20));
  const needle = fold(query.trim());
  if (needle === '')
    return (
      stmt(
        db,
        `SELECT id, account_id, name FROM chats ORDER BY last_activity_ts DESC, id DESC LIMIT ?`,
      ).all(n) as ChatRow[]
    ).map(toChatMatch);
  const rows = stmt(
    db,
    `SELECT id, account_id, name FROM chats WHERE parley_folded_contains(NULL, name, ?) ` +
      `ORDER BY last_activity_ts DESC, id DESC`,
  ).all(needle) as ChatRow[];
  return rows
    .map((row, order) => {
      const name = foldFast(row.name);
      const rank = name.startsWith(needle) ? 0 : atWordStart(name, needle) ? 1 : 2;
      return { row, rank, order };
    })
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, n)
    .map(({ row }) => toChatMatch(row));
}

function toChatMatch(row: ChatRow): ChatMatchRow {
  return { chatId: row.id, accountId: row.account_id, name: row.name };
}

function atWordStart(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1))
    if (at === 0 || !/[\p{L}\p{N}]/u.test(haystack[at - 1]!)) return true;
  return false;
}

// ---- Statements and SQL functions. ----

const STATEMENT_CACHE_SIZE = 128;
const statements = new WeakMap<Db, Map<string, Statement>>();

/** A prepared statement, cached per connection (query shapes repeat). */
function stmt(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (s) {
    cache.delete(sql);
    cache.set(sql, s); // most recently used last
    return s;
  }
  s = db.prepare(sql);
  cache.set(sql, s);
  if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return s;
}

/** The same statement returning arrays (`.raw()`), cached apart from the one returning objects. */
function rawStmt(db: Db, sql: string): Statement {
  return stmt(db, `${sql} -- as arrays`).raw();
}

/** Printable ASCII and common whitespace: folding is lowercasing. */
const ASCII = /^[\t\n\r -~]*$/u;

function foldFast(text: string): string {
  return ASCII.test(text) ? text.toLowerCase() : fold(text);
}

const registered = new WeakSet<Db>();

/** Registers the folded-substring check used to verify substring candidates. */
function ensureFunctions(db: Db): void {
  if (registered.has(db)) return;
  db.function(
    'parley_folded_contains',
    { deterministic: true },
    (subject: unknown, body: unknown, needle: unknown): number => {
      if (typeof needle !== 'string') return 0;
      if (typeof body === 'string' && foldFast(body).includes(needle)) return 1;
      if (typeof subject === 'string' && foldFast(subject).includes(needle)) return 1;
      return 0;
    },
  );
  registered.add(db);
}
