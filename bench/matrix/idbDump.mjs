// IndexedDB (fake-indexeddb, in memory) written to a file and read back: the
// encrypted benchmark makes the SDK's device once, when the account is
// seeded, and every run starts the SDK on the crypto store that device had
// then (the room keys sent to it are still waiting on the server).
// Values go through v8.serialize, which keeps typed arrays and Maps as the
// structured clone IndexedDB stores them does.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

// fake-indexeddb/auto installs it on globalThis before these run.
const idb = () => globalThis.indexedDB;

const done = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

export async function dumpIndexedDb(file) {
  const out = [];
  for (const { name, version } of await idb().databases()) {
    const db = await done(idb().open(name, version));
    const stores = [];
    for (const storeName of db.objectStoreNames) {
      const store = db.transaction(storeName, 'readonly').objectStore(storeName);
      const indexes = [...store.indexNames].map((n) => {
        const ix = store.index(n);
        return { name: n, keyPath: ix.keyPath, unique: ix.unique, multiEntry: ix.multiEntry };
      });
      const records = [];
      await new Promise((resolve, reject) => {
        const req = store.openCursor();
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor) return resolve();
          records.push([cursor.primaryKey, cursor.value]);
          cursor.continue();
        };
      });
      stores.push({
        name: storeName,
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
        indexes,
        records,
      });
    }
    db.close();
    out.push({ name, version, stores });
  }
  writeFileSync(file, v8.serialize(out));
}

export async function restoreIndexedDb(file) {
  for (const { name, version, stores } of v8.deserialize(readFileSync(file))) {
    const req = idb().open(name, version);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const s of stores) {
        const store = db.createObjectStore(s.name, {
          keyPath: s.keyPath ?? undefined,
          autoIncrement: s.autoIncrement,
        });
        for (const ix of s.indexes)
          store.createIndex(ix.name, ix.keyPath, { unique: ix.unique, multiEntry: ix.multiEntry });
      }
    };
    const db = await done(req);
    for (const s of stores) {
      if (s.records.length === 0) continue;
      const tx = db.transaction(s.name, 'readwrite');
      const store = tx.objectStore(s.name);
      for (const [key, value] of s.records)
        if (s.keyPath === null) store.put(value, key);
        else store.put(value);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    }
    db.close();
  }
}
