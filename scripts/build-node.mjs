// Bundles the plain-Node entry points (CLI + daemon worker) into out/node/.
// Native modules and ws stay external: they load from node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: {
    cli: 'main/cli/index.ts',
    daemonWorker: 'main/daemon/host/daemonWorker.ts',
  },
  outdir: 'out/node',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['better-sqlite3', 'keytar', 'ws', 'bufferutil', 'utf-8-validate'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
