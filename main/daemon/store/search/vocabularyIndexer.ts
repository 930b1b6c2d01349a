// Fills the substring vocabulary (search/vocabulary.ts) from substring_backlog
// in small transactions, oldest key first. New messages join the backlog as
// they are written (MessageIndex.add); the daemon runs this in the background
// after each sync batch, one slice per turn of the event loop; a substring
// search indexes one more slice and answers from what is indexed (partial
// while a backlog remains), so no call waits for all of history.
//
// Adding the words as each message is written was measured too: 0.92× the raw
// ingest loop against 0.97× for ingest plus this catch-up (100k messages, CPU
// time, same run): slices read back in key order, with a slice's words
// deduplicated before any lookup, cost less than lookups spread through the
// batch writer's transaction.
import type { Statement } from 'better-sqlite3';
import type { Db, WriteDb } from '../database.js';
import { fold } from './indexText.js';
import { vocabularyWords } from './vocabulary.js';

/**
 * Words known to be in the vocabulary: most of a message's words are common
 * ones, and skipping their lookups is most of the saving. Emptied when full
 * (common words come back at once), not kept in recency order: refreshing a
 * Map entry per hit cost more than the lookups it saved. ~1 MB of strings.
 */
const KNOWN_WORDS_CACHED = 32_768;
/** Trigram rows only for words that can hold a piece a lookup uses them for. */
const MIN_TRIGRAM_WORD = 3;

/**
 * Adds words to the vocabulary; one per connection, so its cache of known
 * words is shared. Words written in a transaction become known only when the
 * writer of that transaction says it committed (committed()): after a
 * rollback a cached word would be missing from the table, and messages
 * holding it would not be found.
 */
export class VocabularyWriter {
  private prepared: ReturnType<typeof prepare> | null = null;
  private readonly known = new Set<string>();
  /** Written (or found) in the current transaction: known once it commits. */
  private pending = new Set<string>();

  constructor(private readonly db: WriteDb) {}

  /**
   * Prepared on first use, not at startup: preparing opens the FTS5 table,
   * which reads its pages, and a damaged page there must not stop the daemon
   * from starting (the indexing step reports it; daemon.ts).
   */
  get stmts(): ReturnType<typeof prepare> {
    return (this.prepared ??= prepare(this.db));
  }

  /** Adds the words of a text. Runs in the caller's transaction. */
  addText(text: string): void {
    for (const word of vocabularyWords(text)) {
      if (this.known.has(word) || this.pending.has(word)) continue;
      const folded = fold(word);
      const added = this.stmts.insertWord.run(word, folded);
      if (added.changes > 0 && folded.length >= MIN_TRIGRAM_WORD)
        this.stmts.insertTrigrams.run(added.lastInsertRowid, folded);
      this.pending.add(word);
    }
  }

  /** The transaction that added the pending words committed: they are known. */
  committed(): void {
    for (const word of this.pending) {
      if (this.known.size >= KNOWN_WORDS_CACHED) this.known.clear();
      this.known.add(word);
    }
    this.pending.clear();
  }

  /** The transaction rolled back: its words may not be there. */
  rolledBack(): void {
    this.pending.clear();
  }

  /** The vocabulary was emptied: nothing is known any more. */
  forget(): void {
    this.known.clear();
    this.pending.clear();
  }
}

const writers = new WeakMap<Db, VocabularyWriter>();

export function vocabularyWriterFor(db: WriteDb): VocabularyWriter {
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = new VocabularyWriter(db)));
  return writer;
}

/** Works through substring_backlog. */
export class VocabularyIndexer {
  private readonly writer: VocabularyWriter;

  constructor(private readonly db: WriteDb) {
    this.writer = vocabularyWriterFor(db);
  }

  /** Indexes up to `limit` queued messages in one transaction; returns how many. */
  drain(limit = 500): number {
    const stmts = this.writer.stmts;
    // Most calls find nothing queued (every substring search asks): no write transaction then.
    if (stmts.any.get() === undefined) return 0;
    return inVocabularyTransaction(this.db, () =>
      this.db
        .transaction(() => {
          const rows = stmts.next.all(limit) as {
            id: number;
            body: string;
            subject: string | null;
          }[];
          for (const r of rows) {
            this.writer.addText(r.body);
            if (r.subject) this.writer.addText(r.subject);
          }
          // Rows whose message is gone never join, so everything up to the last id is done.
          if (rows.length > 0) stmts.unqueue.run(rows[rows.length - 1]!.id);
          else stmts.clear.run();
          return rows.length;
        })
        .immediate(),
    );
  }

  /** Everything at once (benchmarks, tools); the daemon never blocks on this. */
  drainAll(): number {
    let total = 0;
    for (let n = this.drain(2000); n > 0; n = this.drain(2000)) total += n;
    return total;
  }

  backlog(): number {
    return this.writer.stmts.pending.get() as number;
  }
}

/**
 * Runs a transaction that may add words and tells the writer whether it
 * committed. Inside an outer transaction `run` only releases a savepoint, and
 * the outer one may still roll back: its words are then not cached at all.
 */
export function inVocabularyTransaction<T>(db: WriteDb, run: () => T): T {
  const writer = vocabularyWriterFor(db);
  const nested = db.inTransaction;
  let result: T;
  try {
    result = run();
  } catch (err) {
    writer.rolledBack();
    throw err;
  }
  if (nested) writer.rolledBack();
  else writer.committed();
  return result;
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
    any: db.prepare(`SELECT 1 FROM substring_backlog LIMIT 1`).pluck(),
  };
}

/**
 * Empties the vocabulary and queues every remaining message to fill it again:
 * words have no owners, so this is how a removed account's words leave it.
 * Runs in the caller's transaction.
 */
export function clearVocabulary(db: WriteDb): void {
  clears.set(db, (clears.get(db) ?? 0) + 1);
  db.exec(`DELETE FROM vocabulary;
    INSERT INTO vocabulary_trigrams (vocabulary_trigrams) VALUES ('delete-all');
    INSERT OR IGNORE INTO substring_backlog (id) SELECT id FROM messages WHERE deleted = 0;`);
  vocabularyWriterFor(db).forget();
}

const clears = new WeakMap<Db, number>();
const versionStatements = new WeakMap<Db, { dataVersion: Statement; lastWord: Statement }>();

/**
 * Changes whenever the vocabulary may have lost or changed words, not only
 * gained them: what was read from it before may be kept while this stays
 * the same. Word ids are reused after clearVocabulary, so the newest id
 * alone does not tell; nor does it when another connection wrote
 * (data_version).
 */
export function vocabularyVersion(db: Db): string {
  let s = versionStatements.get(db);
  if (!s)
    versionStatements.set(
      db,
      (s = {
        dataVersion: db.prepare(`PRAGMA data_version`).pluck(),
        lastWord: db.prepare(`SELECT max(id) FROM vocabulary`).pluck(),
      }),
    );
  return `${clears.get(db) ?? 0}:${s.dataVersion.get() as number}:${(s.lastWord.get() as number | null) ?? 0}`;
}
