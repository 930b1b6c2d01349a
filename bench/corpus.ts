// The source text: git's commit history, cut into chat-sized paragraphs.
// Trailer lines (Signed-off-by: …) are dropped; they read nothing like chat.
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

// The shared corpus lives beside the checkout (../shared/data); PARLEY_CORPUS overrides.
export const CORPUS_FILE =
  process.env.PARLEY_CORPUS ??
  fileURLToPath(new URL('../../shared/data/git-history-messages.jsonl.gz', import.meta.url));

export interface Corpus {
  authors: string[];
  /** Per commit: unix seconds, author index, subject line. */
  commitTs: Float64Array;
  commitAuthor: Int32Array;
  commitSubject: string[];
  /** Per paragraph: text, its commit, and its position in the commit. */
  paragraphs: string[];
  paragraphCommit: Int32Array;
  paragraphOrdinal: Int32Array;
}

const TRAILER = /^[A-Za-z][A-Za-z-]*-by:|^(Cc|Link|Closes|Fixes|Change-Id|Bug):/;
const MAX_PARAGRAPH = 2000;

interface Line {
  author: string;
  ts: number;
  text: string;
}

export function loadCorpus(file = CORPUS_FILE): Corpus {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  const authors: string[] = [];
  const authorIndex = new Map<string, number>();
  const commitTs: number[] = [];
  const commitAuthor: number[] = [];
  const commitSubject: string[] = [];
  const paragraphs: string[] = [];
  const paragraphCommit: number[] = [];
  const paragraphOrdinal: number[] = [];

  for (const raw of lines) {
    if (!raw) continue;
    const line = JSON.parse(raw) as Line;
    let author = authorIndex.get(line.author);
    if (author === undefined) {
      author = authors.length;
      authors.push(line.author);
      authorIndex.set(line.author, author);
    }
    const commit = commitTs.length;
    commitTs.push(line.ts);
    commitAuthor.push(author);
    commitSubject.push(line.text.split('\n', 1)[0]!.slice(0, 120));
    let ordinal = 0;
    for (const block of line.text.split(/\n\s*\n/)) {
      const text = block
        .split('\n')
        .filter((l) => !TRAILER.test(l.trim()))
        .join('\n')
        .trim();
      if (!text) continue;
      paragraphs.push(text.length > MAX_PARAGRAPH ? text.slice(0, MAX_PARAGRAPH) : text);
      paragraphCommit.push(commit);
      paragraphOrdinal.push(ordinal++);
    }
  }
  return {
    authors,
    commitTs: Float64Array.from(commitTs),
    commitAuthor: Int32Array.from(commitAuthor),
    commitSubject,
    paragraphs,
    paragraphCommit: Int32Array.from(paragraphCommit),
    paragraphOrdinal: Int32Array.from(paragraphOrdinal),
  };
}
