// Assembles the daemon: store + connectors + sync engine + API. Plain Node; the
// host (Electron main, the CLI, web mode) injects the profile path and secrets.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Store } from './store/store.js';
import { isDamage } from './store/database.js';
import { VocabularyIndexer } from './store/search/vocabularyIndexer.js';
import { WordReindexer } from './store/search/wordReindexer.js';
import { IndexCompactor } from './store/search/indexCompactor.js';
import { QuietCompaction } from './store/search/quietCompaction.js';
import { BlobCollector } from './store/blobCollector.js';
import { BlobCollection } from './store/blobCollection.js';
import { SyncEngine, type SyncEngineOptions } from './sync/engine.js';
import { defaultConnectors, type ConnectorRegistry } from './connectors/registry.js';
import { ApiServer } from './api/apiServer.js';
import { createHandlers } from './api/handlers.js';
import { EventCoalescer } from './api/eventCoalescer.js';
import { TimelineWatches } from './api/timelineWatch.js';
import type { ApiResult, DaemonEvent } from './api/contract.js';
import type { SecretBroker } from './secrets/secretBroker.js';
import type { SyncObserver } from './sync/observer.js';
import type { BatchResult } from './store/batchWriter.js';
import { notifiableMessages } from './store/notifications.js';
import { chatReceipts } from './store/receipts.js';
import { DailyBackups, type DailyBackupOptions } from './profile/dailyBackups.js';
import { DISK_FULL_MESSAGE, isDiskFull } from './store/diskFull.js';
import { checkInBackground, markDamaged } from './profile/integrity.js';

/** How long indexing waits after the disk was full before it tries again. */
const INDEXING_RETRY_MS = 10_000;
/**
 * How long closing waits for the integrity check to let go of the file: a
 * check inside SQLite cannot be cut short (a whole check at 1M messages is
 * ~20 s), and a quit should not wait that out.
 */
const INTEGRITY_STOP_WAIT_MS = 2_000;

export interface DaemonOptions {
  profileDir: string;
  secrets: SecretBroker;
  connectors?: ConnectorRegistry;
  engine?: SyncEngineOptions;
  /** Operational log: never tokens or message bodies. */
  log?: (line: string) => void;
  /**
   * Loopback ports media.fetchRemote may reach: where an e2e test's image
   * server runs. Only test harnesses pass it; the app, the CLI and web mode
   * never do, and it is read from no setting or environment variable.
   */
  testOnlyLoopbackFetchPorts?: readonly number[];
  /**
   * Merging the word index's segments while quiet (store/search/quietCompaction.ts):
   * how long without new messages first (default a minute); false: never.
   */
  indexCompaction?: { quietMs?: number; belowLargestShare?: number } | false;
  /** The full database check in the background once started (profile/integrity.ts); default on. */
  integrityCheck?: boolean;
  /**
   * Removing blob files nothing names any more (store/blobCollector.ts), once
   * shortly after start and every few hours; false: never (the CLI's one-shot
   * commands never start it anyway).
   */
  blobCollection?: { firstMs?: number; everyMs?: number; graceMs?: number } | false;
  /** Automatic daily backups once started (profile/dailyBackups.ts); false: none (the CLI's one-shot commands). */
  backups?: DailyBackupOptions | false;
}

export class Daemon {
  readonly store: Store;
  readonly engine: SyncEngine;
  readonly connectors: ConnectorRegistry;
  private readonly api: ApiServer;
  private readonly listeners = new Set<(event: DaemonEvent) => void>();
  private readonly log: (line: string) => void;
  private readonly vocabulary: VocabularyIndexer;
  private readonly words: WordReindexer;
  private readonly scopes: WordReindexer;
  private readonly compaction: QuietCompaction | null;
  /** The blob collector's schedule; null when turned off. */
  readonly blobCollection: BlobCollection | null;
  private readonly events: EventCoalescer;
  private readonly backups: DailyBackups | null;
  private readonly watches = new TimelineWatches();
  private indexingScheduled = false;
  private readonly options: DaemonOptions;
  /** The background check's result, once it ran (tests await it). */
  integrity: Promise<string[] | null> | null = null;
  private readonly integrityStop = new AbortController();
  private closed = false;

  constructor(options: DaemonOptions) {
    this.options = options;
    this.log = options.log ?? (() => undefined);
    this.store = Store.open(options.profileDir);
    this.vocabulary = new VocabularyIndexer(this.store.db);
    this.words = new WordReindexer(this.store.db);
    this.scopes = new WordReindexer(this.store.db, 'scope_backlog');
    this.compaction =
      options.indexCompaction === false
        ? null
        : new QuietCompaction(
            new IndexCompactor(this.store.db, options.indexCompaction?.belowLargestShare),
            {
              quietMs: options.indexCompaction?.quietMs,
              failed: (err) => this.backgroundWorkFailed('index merge', err),
              log: this.log,
            },
          );
    const blobs = options.blobCollection;
    this.blobCollection =
      blobs === false
        ? null
        : new BlobCollection(
            new BlobCollector(this.store.db, this.store.blobs.dir, {
              graceMs: blobs?.graceMs,
              log: this.log,
            }),
            {
              firstMs: blobs?.firstMs,
              everyMs: blobs?.everyMs,
              failed: (err) => this.backgroundWorkFailed('blob collection', err),
              log: this.log,
            },
          );
    this.events = new EventCoalescer(
      {
        messagesById: (ids) => this.store.read.messagesById(ids),
        chatsById: (ids) => this.store.read.chatsById(ids),
        receipts: (chatId) => {
          const chat = this.store.read.chat(chatId);
          return chat ? chatReceipts(this.store.readDb, chatId, chat.accountId) : [];
        },
      },
      (event) => this.emit(event),
      undefined,
      (chatId) => this.watches.shows(chatId),
    );
    this.connectors = options.connectors ?? defaultConnectors(options.profileDir);
    this.backups =
      options.backups === false
        ? null
        : new DailyBackups(this.store.db, options.profileDir, options.backups, this.log);
    this.engine = new SyncEngine(
      this.store,
      this.connectors,
      options.secrets,
      this.observer(),
      options.engine,
    );
    const observer = this.observer();
    this.api = new ApiServer(
      createHandlers({
        store: this.store,
        engine: this.engine,
        connectors: this.connectors,
        secrets: options.secrets,
        outboxChanged: (entry) => observer.outboxChanged(entry),
        indexBacklogFound: () => this.scheduleIndexing(),
        watches: this.watches,
        remoteFetch: { testOnlyLoopbackPorts: options.testOnlyLoopbackFetchPorts ?? [] },
      }),
      this.log,
    );
  }

  call(name: unknown, input: unknown): Promise<ApiResult<unknown>> {
    return this.api.call(name, input);
  }

  subscribe(listener: (event: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts syncing every account. */
  start(): Promise<void> {
    this.scheduleIndexing();
    this.backups?.start();
    this.blobCollection?.start();
    if (this.options.integrityCheck !== false) this.checkIntegrity();
    return this.engine.startAll();
  }

  /**
   * Works through the index backlogs (the substring index, and word rows a
   * migration queued for reindexing) in small steps between other work, each
   * a short transaction, so neither ingest nor API calls wait for them.
   */
  scheduleIndexing(): void {
    if (this.indexingScheduled || this.closed) return;
    this.indexingScheduled = true;
    const step = () => {
      if (this.closed) return;
      let more: boolean;
      try {
        more = this.words.drain(500) + this.scopes.drain(500) + this.vocabulary.drain(500) > 0;
      } catch (err) {
        // The backlog stays queued; look again in a while.
        if (this.backgroundWorkFailed('indexing', err)) setTimeout(step, INDEXING_RETRY_MS).unref();
        return;
      }
      if (more) setImmediate(step);
      else {
        this.indexingScheduled = false;
        this.compaction?.idle();
      }
    };
    setImmediate(step);
  }

  /**
   * Background index work failed. A damaged file: it stops (the rest of the
   * app goes on reading what it can), and the damage is written down as the
   * integrity check does, so the next start offers a backup. A full disk or a
   * lock held by another process: true, to try again later. Anything else is
   * a bug and is thrown.
   */
  private backgroundWorkFailed(what: string, err: unknown): boolean {
    if (isDamage(err)) {
      this.log(`${what} stopped: the database is damaged (${(err as Error).message})`);
      if (!this.closed)
        markDamaged(this.options.profileDir, [`${what}: ${(err as Error).message}`]);
      return false;
    }
    // Another process writing the same profile (the CLI) held the lock past
    // busy_timeout: nothing is wrong, the work waits.
    if (isBusy(err)) {
      this.log(`${what} paused: the database is busy`);
      return true;
    }
    if (!isDiskFull(err)) throw err;
    this.log(`${what} paused: ${DISK_FULL_MESSAGE}`);
    return true;
  }

  /**
   * Damage found while running is written down; the next start confirms it
   * and offers a backup (openDaemon.ts), and profile.health says so now.
   */
  private checkIntegrity(): void {
    if (this.integrity) return;
    this.integrity = checkInBackground(
      join(this.options.profileDir, 'parley.db'),
      this.integrityStop.signal,
    ).then((problems) => {
      if (problems && problems.length > 0 && !this.closed) {
        this.log(`database damaged: ${problems.slice(0, 3).join('; ')}`);
        markDamaged(this.options.profileDir, problems);
      }
      return problems;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.compaction?.close();
    this.blobCollection?.close();
    // The checker lets go of the file before the store closes (so the store's
    // close is the last, which removes the WAL), but a quit does not wait
    // out a whole check of a big profile for it.
    this.integrityStop.abort();
    if (this.integrity)
      await Promise.race([
        this.integrity,
        delay(INTEGRITY_STOP_WAIT_MS, undefined, { ref: false }),
      ]);
    await this.backups?.stop();
    await this.engine.stopAll();
    this.events.close();
    this.store.close();
  }

  private emit(event: DaemonEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log(`event listener failed: ${(err as Error).message}`);
      }
    }
  }

  private observer(): SyncObserver {
    return {
      batchApplied: (accountId, result, phase) => {
        this.emitBatch(accountId, result, phase === 'live');
        if (result.insertedMessageIds.length + result.updatedMessageIds.length > 0) {
          this.compaction?.wrote();
          this.scheduleIndexing();
        }
      },
      accountStatus: (accountId, status, detail, retryAt) =>
        this.events.queue({
          name: 'account.status',
          payload: { accountId, status, detail, retryAt: retryAt ?? null },
        }),
      progress: (payload) => this.events.queue({ name: 'sync.progress', payload }),
      security: (accountId, event) =>
        this.events.queue(
          event.kind === 'verification'
            ? { name: 'verification.updated', payload: { accountId, ...event.verification } }
            : {
                name: 'security.identityChanged',
                payload: { accountId, userId: event.userId, masterKey: event.masterKey },
              },
        ),
      outboxChanged: (entry) => this.events.outboxChanged(entry),
      log: (accountId, message) => this.log(`account ${accountId}: ${message}`),
    };
  }

  private emitBatch(accountId: number, result: BatchResult, live: boolean): void {
    // Ephemeral state is never stored: it goes out as it came, after the turn's deltas.
    for (const t of result.typing ?? []) this.events.queue({ name: 'typing', payload: t });
    for (const p of result.presence ?? [])
      this.events.queue({
        name: 'presence',
        payload: {
          accountId,
          personRemoteId: p.personRemoteId,
          name: p.name,
          presence: p.presence,
          statusMsg: p.statusMsg ?? null,
          lastActiveAgoMs: p.lastActiveAgoMs ?? null,
          currentlyActive: p.currentlyActive ?? null,
        },
      });
    this.events.batchApplied(result);
    if (live) this.emitNotifications(result.insertedMessageIds);
  }

  /**
   * One notify event per new message from someone else that its protocol's
   * rules let notify (never a system message: joins, leaves, renames); the
   * shell applies mute, levels, focus and DND.
   */
  private emitNotifications(messageIds: number[]): void {
    if (messageIds.length === 0) return;
    for (const payload of notifiableMessages(this.store.readDb, messageIds))
      this.events.queue({ name: 'notify', payload });
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
