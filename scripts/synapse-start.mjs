#!/usr/bin/env node
// `npm run synapse:start`: keeps one Synapse running for a developer (the same
// harness and test overrides the tests use, data under .cache/synapse-dev),
// prints its URL, and stops it on Ctrl+C. Tests reuse it when run with
//   SYNAPSE_URL=<url> (the shared secret is read from .cache/synapse-dev/state.json)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'scripts', 'synapse-dev.mts')],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, SYNAPSE_URL: '' },
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
