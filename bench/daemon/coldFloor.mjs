// The floor under the daemon's cold start, for `npm run bench:daemon`: a Node
// process that starts one worker thread, which loads better-sqlite3, opens the
// same profile read-only and counts its chats, and nothing else of Parley's.
// What the daemon's cold start spends above this is ours (bundles, migrations
// check, the API, the chat list query); this part is Node's and the machine's.
//
//   node coldFloor.mjs <profileDir>   → process.send({ type: 'first-list', … })
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const Database = require(workerData.sqlite);
   const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
   const rows = db.prepare('SELECT count(*) AS n FROM chats').get().n;
   db.close();
   parentPort.postMessage(rows);`,
  {
    eval: true,
    workerData: {
      sqlite: fileURLToPath(import.meta.resolve('better-sqlite3')),
      file: join(process.argv[2], 'parley.db'),
    },
  },
);
worker.once('message', (rows) => {
  const readyMs = performance.now();
  const cpu = process.cpuUsage();
  process.send({
    type: 'first-list',
    rows,
    ms: performance.now(),
    readyMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
  void worker.terminate().then(() => process.exit(0));
});
