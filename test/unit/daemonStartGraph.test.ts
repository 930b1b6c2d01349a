// What the daemon's worker loads before anything asks for a connector: its
// bundle's static import graph (built here as electron-vite builds the app's
// worker, in chunks) holds each protocol's kind, never a connector's code
// (its wire schemas, mappings, crypto): those come by dynamic import, on
// first need (connectors/registry.ts; the cold start in docs/performance.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every source file the entry chunk reaches through static imports. */
function staticInputs(meta: Metafile): Set<string> {
  const outputs = meta.outputs;
  const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint)!;
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const out = stack.pop()!;
    if (seen.has(out)) continue;
    seen.add(out);
    for (const i of outputs[out]!.imports)
      if (i.kind === 'import-statement' && outputs[i.path]) stack.push(i.path);
  }
  const inputs = new Set<string>();
  for (const out of seen) for (const input of Object.keys(outputs[out]!.inputs)) inputs.add(input);
  return inputs;
}

test("the worker starts without any connector's code; each connector is in the bundle, loaded on need", async () => {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: ['main/daemon/host/daemonWorker.ts'],
    outdir: 'out/graph-test',
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    metafile: true,
    external: ['better-sqlite3', 'keytar', 'ws', 'bufferutil', 'utf-8-validate'],
    logLevel: 'silent',
  });
  const eager = staticInputs(metafile);
  const everything = new Set(Object.keys(metafile.inputs));
  for (const protocol of ['matrix', 'jmap-mail', 'jmap-chat', 'rest-chat', 'unichat']) {
    const dir = `main/daemon/connectors/${protocol}/`;
    assert.ok(everything.has(`${dir}connector.ts`), `${protocol}'s connector is in the bundle`);
    assert.ok(eager.has(`${dir}kind.ts`), `${protocol}'s kind is there from the start`);
    const loadedAtStart = [...eager].filter(
      (f) => f.startsWith(dir) && !/\/(kind|capabilities|permalink)\.ts$/.test(f),
    );
    // Matrix's kind asks the native crypto loader (not the module) whether encryption is possible,
    // and the API maps its key backup error.
    const allowed =
      protocol === 'matrix'
        ? [
            'main/daemon/connectors/matrix/crypto/native.ts',
            'main/daemon/connectors/matrix/crypto/keyBackupError.ts',
          ]
        : [];
    assert.deepEqual(
      loadedAtStart.filter((f) => !allowed.includes(f)),
      [],
      protocol,
    );
  }
  assert.ok(
    ![...eager].some((f) => f.includes('node_modules/jpeg-js')),
    'image decoding is not loaded at start either',
  );
});
