// Builds the Electron app into out/:
//   out/main/index.js         the shell (main/index.ts)
//   out/main/daemonWorker.js  the daemon's worker thread, beside index.js: the shell passes
//                             new URL('./daemonWorker.js', import.meta.url) to DaemonHost
//   out/preload/index.cjs     the sandboxed preload: one CommonJS file (sandboxed preloads
//                             cannot load ES modules or other files)
//   out/renderer/             the React app (also what `parley web` serves)
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const NATIVE_AND_NODE_DEPS = ['better-sqlite3', 'keytar', 'ws', 'bufferutil', 'utf-8-validate'];

/**
 * The page's CSP meta tag forbids inline scripts, which React Refresh needs in
 * development. Only `electron-vite dev` relaxes it; builds keep it strict.
 */
function devOnlyInlineScripts(): Plugin {
  return {
    name: 'parley-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { include: NATIVE_AND_NODE_DEPS },
      rollupOptions: {
        input: {
          index: resolve('main/index.ts'),
          daemonWorker: resolve('main/daemon/host/daemonWorker.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Bundle everything: a sandboxed preload can require only a few Electron modules.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    // Relative asset URLs: the same build loads from file:// (Electron) and http:// (web mode).
    base: './',
    plugins: [react(), devOnlyInlineScripts()],
    build: {
      outDir: resolve('out/renderer'),
      emptyOutDir: true,
      // Also what `parley web` serves to a browser: keep it small.
      minify: true,
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
