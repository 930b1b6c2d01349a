// The renderer built for a benchmark: the app's renderer, bundled by vite into
// a scratch directory that a web host serves (bench:ui, bench:live).
import { resolve } from 'node:path';
import { build } from 'vite';
import react from '@vitejs/plugin-react';

/** Builds `<sourceRoot>/renderer` into `outDir` (emptied first). */
export async function buildRenderer(sourceRoot: string, outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: resolve(sourceRoot, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}
