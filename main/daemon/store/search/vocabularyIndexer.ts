// Fills the substring vocabulary (search/vocabulary.ts) from substring_backlog
// in small transactions, oldest key first. The daemon runs it in the
// background after each sync batch, one slice per turn of the event loop; a
// substring search indexes one more slice and answers from what is indexed
// (partial while a backlog remains), so no call waits for all of history.
import type { Db, WriteDb } from '../database.js';
import { fold } from './indexText.js';
import { vocabularyWords } from './vocabulary.js';

/**
 * Words known to be in the vocabulary, most recent last: most of a slice's
 * words are common ones, and skipping their lookups is most of the saving
 * (~1 MB of strings).
 */
const KNOWN_WORDS_CACHED = 32_768;
/** Trigram rows only for words that can hold a piece a lookup uses them for. */
const MIN_TRIGRAM_WORD = 3;

/**
 * Bumped when the vocabulary is emptied (clearVocabulary), so an indexer's
 * cache of known words is not trusted past it.
 */
const generations = new WeakMap<Db, number>();

export class VocabularyIndexer {
  private prepared: ReturnType<typeof prepare> | null = null;
  private known = new Map<string, true>();
  private generation = -1;

  constructor(private readonly db: WriteDb) {}

  /**
   * Prepared on first use, not at startup: preparing opens the FTS5 table,
   * which reads its pages, and a damaged page there must not stop the daemon
   * from starting (the indexing step reports it; daemon.ts).
   */
  private get stmts(): ReturnType<typeof prepare> {
    return (this.prepared ??= prepare(this.db));
  }

  /** Indexes up to `limit` queued messages in one transaction; returns how many. */
  drain(limit = 500): number {
    return this.db
      .transaction(() => {
        const rows = this.stmts.next.all(limit) as {
          id: number;
          body: string;
          subject: string | null;
        }[];
        const words = new Set<string>();
        for (const r of rows) {
          for (const w of vocabularyWords(r.body)) words.add(w);
          if (r.subject) for (const w of vocabularyWords(r.subject)) words.add(w);
        }
        this.add(words);
        // Rows whose message is gone never join, so everything up to the last id is done.
        if (rows.length > 0) this.stmts.unqueue.run(rows[rows.length - 1]!.id);
        else this.stmts.clear.run();
        return rows.length;
      })
      .immediate();
  }

  /** Everything at once (benchmarks, tools); the daemon never blocks on this. */
  drainAll(): number {
    let total = 0;
    for (let n = this.drain(2000); n > 0; n = this.drain(2000)) total += n;
    return total;
  }

  backlog(): number {
    return this.stmts.pending.get() as number;
  }

  private add(words: Set<string>): void {
    const generation = generations.get(this.db) ?? 0;
    if (generation !== this.generation) {
      this.known.clear();
      this.generation = generation;
    }
    for (const word of words) {
      if (this.known.has(word)) {
        this.known.delete(word);
        this.known.set(word, true);
        continue;
      }
      const folded = fold(word);
      const added = this.stmts.insertWord.run(word, folded);
      if (added.changes > 0 && folded.length >= MIN_TRIGRAM_WORD)
        this.stmts.insertTrigrams.run(added.lastInsertRowid, folded);
      this.known.set(word, true);
      if (this.known.size > KNOWN_WORDS_CACHED) this.known.delete(this.known.keys().next().value!);
    }
  }
}

function prepare(db: WriteDb) {
  return {
    next: db.prepare(`
      SELECT b.id, m.body, m.subject FROM substring_backlog b JOIN messages m ON m.id = b.id
      ORDER BY b.id LIMIT ?`),
    insertWord: db.prepare(
      `INSERT INTO vocabulary (word, folded) VALUES (?, ?) ON CONFLICT (word) DO NOTHING`,
    ),
    insertTrigrams: db.prepare(`INSERT INTO vocabulary_trigrams (rowid, folded) VALUES (?, ?)`),
    unqueue: db.prepare(`DELETE FROM substring_backlog WHERE id <= ?`),
    clear: db.prepare(`DELETE FROM substring_backlog`),
    pending: db.prepare(`SELECT count(*) FROM substring_backlog`).pluck(),
  };
}

/**
 * Empties the vocabulary and queues every remaining message to fill it again:
 * words have no owners, so this is how a removed account's words leave it.
 * Runs in the caller's transaction.
 */
export function clearVocabulary(db: WriteDb): void {
  db.exec(`DELETE FROM vocabulary;
    INSERT INTO vocabulary_trigrams (vocabulary_trigrams) VALUES ('delete-all');
    INSERT OR IGNORE INTO substring_backlog (id) SELECT id FROM messages WHERE deleted = 0;`);
  generations.set(db, (generations.get(db) ?? 0) + 1);
}
