// The store facade: one writer connection and the modules that use it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from './database.js';
import { BatchWriter } from './batchWriter.js';
import { ReadModel } from './readModel.js';
import { Outbox } from './outbox.js';
import { AccountRegistry } from './accounts.js';
import { BlobStore } from './blobStore.js';
import { ChatPreferences } from './chatPreferences.js';

export class Store {
  readonly writer: BatchWriter;
  readonly read: ReadModel;
  readonly outbox: Outbox;
  readonly accounts: AccountRegistry;
  readonly blobs: BlobStore;
  readonly prefs: ChatPreferences;

  private constructor(
    readonly db: Db,
    profileDir: string,
  ) {
    this.writer = new BatchWriter(db);
    this.read = new ReadModel(db);
    this.outbox = new Outbox(db, this.writer);
    this.accounts = new AccountRegistry(db);
    this.blobs = new BlobStore(db, join(profileDir, 'blobs'));
    this.prefs = new ChatPreferences(db, this.writer);
  }

  static open(profileDir: string): Store {
    mkdirSync(profileDir, { recursive: true });
    return new Store(openDatabase(join(profileDir, 'parley.db')), profileDir);
  }

  close(): void {
    this.db.close();
  }
}
