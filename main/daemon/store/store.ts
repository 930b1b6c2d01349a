// The store facade: one writer connection and the modules that use it, and
// the two typed handles the store's query functions take (store/*.ts: plain
// functions over a ReadDb or a WriteDb). Nothing outside store/ prepares SQL.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { asWriteDb, openDatabase, readerOf, type ReadDb, type WriteDb } from './database.js';
import { BatchWriter } from './batchWriter.js';
import { ReadModel } from './readModel.js';
import { Outbox } from './outbox.js';
import { AccountRegistry } from './accounts.js';
import { BlobStore } from './blobStore.js';
import { ChatPreferences } from './chatPreferences.js';
import { ChatListCache } from './chatListCache.js';

export class Store {
  readonly writer: BatchWriter;
  readonly read: ReadModel;
  readonly outbox: Outbox;
  readonly accounts: AccountRegistry;
  readonly blobs: BlobStore;
  readonly prefs: ChatPreferences;
  /** The handle read functions take: the writer's connection, so a read sees every write made. */
  readonly readDb: ReadDb;

  private constructor(
    /** The one writer connection, for write functions (and tests that inspect the database). */
    readonly db: WriteDb,
    /** The profile folder: parley.db, blobs/, backups/. */
    readonly profileDir: string,
  ) {
    this.readDb = readerOf(db);
    this.writer = new BatchWriter(db);
    // The chat list in memory: its triggers live on the writer connection,
    // where every write of this process happens (chatListCache.ts).
    this.read = new ReadModel(this.readDb, new ChatListCache(db));
    this.outbox = new Outbox(db, this.writer);
    this.accounts = new AccountRegistry(db);
    this.blobs = new BlobStore(db, join(profileDir, 'blobs'));
    this.prefs = new ChatPreferences(db, this.writer);
  }

  static open(profileDir: string): Store {
    mkdirSync(profileDir, { recursive: true });
    return new Store(asWriteDb(openDatabase(join(profileDir, 'parley.db'))), profileDir);
  }

  close(): void {
    this.db.close();
  }
}
