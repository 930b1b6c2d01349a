// The daemon's worker keeps V8's compiled code between starts through Node's
// module compile cache (daemonHost.ts, workerEnv), in the profile: on unless the host says
// null, and a directory the user set (NODE_COMPILE_CACHE) wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonHost, workerEnv } from '../../main/daemon/host/daemonHost.js';
import { memorySecrets, tempDir } from '../helpers/fixtures.js';

test("the worker's environment names the compile cache, unless turned off or set by the user", () => {
  const saved = process.env.NODE_COMPILE_CACHE;
  try {
    delete process.env.NODE_COMPILE_CACHE;
    const env = workerEnv('/var/cache/parley');
    assert.equal(env.NODE_COMPILE_CACHE, '/var/cache/parley');
    assert.equal(env.PATH, process.env.PATH, 'the rest of the environment is kept');
    assert.equal(process.env.NODE_COMPILE_CACHE, undefined, "the host's own is untouched");
    assert.equal(workerEnv(null).NODE_COMPILE_CACHE, undefined, 'null: no cache');

    process.env.NODE_COMPILE_CACHE = '/home/me/node-cache';
    assert.equal(workerEnv('/var/cache/parley').NODE_COMPILE_CACHE, '/home/me/node-cache');
  } finally {
    if (saved === undefined) delete process.env.NODE_COMPILE_CACHE;
    else process.env.NODE_COMPILE_CACHE = saved;
  }
});

test("a DaemonHost's worker gets its profile's compile-cache directory", async () => {
  const { dir, cleanup } = tempDir();
  const saved = process.env.NODE_COMPILE_CACHE;
  delete process.env.NODE_COMPILE_CACHE;
  try {
    // A stand-in worker that reports what it was given, as the daemon's reports a fatal start.
    const workerFile = join(dir, 'reportEnv.mjs');
    writeFileSync(
      workerFile,
      `import { parentPort } from 'node:worker_threads';
       parentPort.postMessage({ type: 'fatal', message: 'cache=' + process.env.NODE_COMPILE_CACHE });`,
    );
    const profileDir = join(dir, 'profile');
    const host = new DaemonHost({ profileDir, workerFile, secrets: memorySecrets() });
    await assert.rejects(host.ready, { message: `cache=${join(profileDir, 'compile-cache')}` });
    const off = new DaemonHost({
      profileDir,
      workerFile,
      secrets: memorySecrets(),
      compileCacheDir: null,
    });
    await assert.rejects(off.ready, { message: 'cache=undefined' });
  } finally {
    if (saved === undefined) delete process.env.NODE_COMPILE_CACHE;
    else process.env.NODE_COMPILE_CACHE = saved;
    cleanup();
  }
});
