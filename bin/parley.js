#!/usr/bin/env node
// Runs the built CLI (npm run build). From a source checkout without a build,
// say what to do instead of failing obscurely.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));
if (!existsSync(built)) {
  console.error('parley: not built yet; run "npm run build" first');
  process.exit(1);
}
await import(built);
