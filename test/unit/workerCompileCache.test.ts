// The daemon's worker keeps V8's compiled code between starts through Node's
// module compile cache (daemonHost.ts, workerEnv): on unless the host says
// null, and a directory the user set (NODE_COMPILE_CACHE) wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerEnv } from '../../main/daemon/host/daemonHost.js';

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
