// Runs one of the Matrix benchmark's Parley jobs (its bundle, argv[2]) as the
// daemon runs: in a worker thread with the daemon worker's resource limits
// (main/daemon/host/workerLimits.ts). The job sizes V8 for memory itself once
// its modules are loaded, as the host does once its worker is up; its JSON
// line reaches stdout through this thread, and the process's peak RSS holds
// both threads, as the app's process does.
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import { WORKER_LIMITS } from '../../main/daemon/host/workerLimits.js';

const job = process.argv[2];
if (!job) throw new Error('usage: asTheDaemon.mjs JOB.mjs');
new Worker(job, { resourceLimits: WORKER_LIMITS })
  .on('error', (err) => {
    process.stderr.write(`${inspect(err)}\n`);
    process.exitCode = 1;
  })
  .on('exit', (code) => {
    if (code !== 0) process.exitCode = code;
  });
