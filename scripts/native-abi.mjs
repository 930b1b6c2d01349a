#!/usr/bin/env node
// Keeps the native modules (better-sqlite3, keytar) built for the runtime that
// is about to load them:
//
//   node scripts/native-abi.mjs node       # tests: Node's ABI   (npm run native:node)
//   node scripts/native-abi.mjs electron   # the app: Electron's (npm run native:electron, prestart)
//
// better-sqlite3 uses V8's C++ API, so its binary only loads into the runtime
// (and ABI version) it was compiled for; keytar is N-API but is rebuilt along
// with it so both always match. The stamp file node_modules/.parley-native-abi
// records which runtime the current builds are for; it lives inside
// node_modules so a fresh `npm ci` (which builds for Node) drops it.
//
// Electron mode needs the Electron headers from the network (or the
// ~/.electron-gyp cache). Offline it stops with a clear message BEFORE
// touching the current builds.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const STAMP = join(ROOT, 'node_modules', '.parley-native-abi');
const LOG = join(ROOT, '.cache', 'native-abi.log');
const MODULES = ['better-sqlite3', 'keytar'];

// Loading a module in a child process: a wrong-ABI binary throws on load (and
// would poison this process's module cache if loaded here).
const LOAD_CHECK = {
  'better-sqlite3': "const D = require('better-sqlite3'); new D(':memory:').close();",
  keytar: "require('keytar');",
};

const say = (msg) => process.stderr.write(`[native-abi] ${msg}\n`);

function fail(msg) {
  say(`ERROR: ${msg}`);
  process.exit(1);
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

function writeStamp(stamp) {
  writeFileSync(
    STAMP,
    JSON.stringify({
      ...stamp,
      platform: process.platform,
      arch: process.arch,
      builtAt: new Date().toISOString(),
    }) + '\n',
  );
}

function log(text) {
  mkdirSync(dirname(LOG), { recursive: true });
  appendFileSync(LOG, text);
}

function tailOfLog(lines = 30) {
  try {
    return readFileSync(LOG, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Returns { module: firstErrorLine } for the modules that do not load in this Node. */
function loadFailures() {
  const failures = {};
  for (const mod of MODULES) {
    const r = spawnSync(process.execPath, ['-e', LOAD_CHECK[mod]], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) {
      const text = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
      const line =
        text.split('\n').find((l) => /Error|error:|NODE_MODULE_VERSION|cannot open/.test(l)) ??
        text.split('\n')[0] ??
        'unknown error';
      failures[mod] = line.trim();
    }
  }
  return failures;
}

function run(cmd, args, env) {
  log(`\n$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  log(`${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) + '\n' : ''}`);
  return r.status === 0 && !r.error;
}

// Use the node headers installed with the system's node (Debian's nodejs-dev,
// /usr/include/node) instead of downloading them — but only when they belong
// to the Node that is running (a version manager may have put another first).
function systemNodedirMatches() {
  const header = '/usr/include/node/node_version.h';
  if (!existsSync('/usr/include/node/node.h') || !existsSync(header)) return false;
  const m = [...readFileSync(header, 'utf8').matchAll(/#define NODE_MODULE_VERSION (\d+)/g)].pop();
  return m?.[1] === process.versions.modules;
}

function ensureNode() {
  const stamp = readStamp();
  const want = { runtime: 'node', version: process.versions.node, abi: process.versions.modules };
  const stampOk =
    stamp?.runtime === 'node' && stamp.abi === want.abi && stamp.arch === process.arch;
  let failures = loadFailures();
  if (stampOk && Object.keys(failures).length === 0) return; // the common case: nothing to say

  if (!stampOk && Object.keys(failures).length === 0 && stamp?.runtime !== 'electron') {
    // Built for this Node already (e.g. by `npm ci`), just not stamped yet.
    writeStamp(want);
    return;
  }

  const why =
    stamp?.runtime === 'electron'
      ? `they were built for Electron ${stamp.version}`
      : Object.entries(failures)
          .map(([m, e]) => `${m}: ${e}`)
          .join('; ');
  say(
    `rebuilding ${MODULES.join(', ')} for Node ${process.versions.node} (ABI ${want.abi}): ${why}`,
  );
  const env = {
    ...process.env,
    npm_config_runtime: 'node',
    npm_config_target: process.versions.node,
  };
  for (const k of Object.keys(env)) {
    if (/^npm_config_(disturl|dist_url|nodedir)$/i.test(k)) delete env[k];
  }
  if (systemNodedirMatches()) env.npm_config_nodedir = '/usr';
  rmSync(STAMP, { force: true });
  const t = Date.now();
  if (!run('npm', ['rebuild', ...MODULES], env)) {
    fail(
      `npm rebuild ${MODULES.join(' ')} failed (full log: ${LOG}):\n${tailOfLog()}\n` +
        hint(failures),
    );
  }
  failures = loadFailures();
  if (Object.keys(failures).length > 0) {
    fail(
      `rebuilt, but still not loadable in Node ${process.versions.node}:\n` +
        Object.entries(failures)
          .map(([m, e]) => `  ${m}: ${e}`)
          .join('\n') +
        '\n' +
        hint(failures),
    );
  }
  writeStamp(want);
  say(`done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
}

function hint(failures) {
  const text = Object.values(failures).join(' ');
  if (/libsecret/.test(text)) {
    return 'keytar needs libsecret: run `bash scripts/setup-test-env.sh` (installs libsecret-1-dev).';
  }
  return 'If a compiler or python is missing, run `bash scripts/setup-test-env.sh`.';
}

async function headersReachable(version) {
  const cached = join(homedir(), '.electron-gyp', version, 'include', 'node', 'node_version.h');
  if (existsSync(cached)) return { ok: true };
  const base = process.env.ELECTRON_REBUILD_DIST_URL || 'https://www.electronjs.org/headers';
  const url = `${base}/v${version}/SHASUMS256.txt`;
  try {
    const res = await fetch(url, {
      method: 'HEAD',
      signal: AbortSignal.timeout(15_000),
      redirect: 'follow',
    });
    return res.ok ? { ok: true } : { ok: false, url, why: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, url, why: e?.cause?.code ?? e?.name ?? String(e) };
  }
}

async function ensureElectron() {
  let version;
  try {
    version = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
    ).version;
  } catch {
    fail('electron is not installed: run `npm ci` (or `bash scripts/setup-test-env.sh`) first.');
  }
  const stamp = readStamp();
  if (stamp?.runtime === 'electron' && stamp.version === version && stamp.arch === process.arch) {
    return; // already built for this Electron
  }
  const builder = join(ROOT, 'node_modules', '.bin', 'electron-builder');
  if (!existsSync(builder)) fail('electron-builder is not installed: run `npm ci` first.');
  // electron-builder rebuilds through @electron/rebuild, which requires Node
  // 22.12+ (package.json engines). The tests and web mode need only 20.19+.
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    fail(
      `building the native modules for Electron needs Node 22.12 or newer (@electron/rebuild); ` +
        `this is Node ${process.versions.node}. Tests and web mode (npm run web) work on Node 20.19+.`,
    );
  }

  const reach = await headersReachable(version);
  if (!reach.ok) {
    fail(
      `cannot build the native modules for Electron ${version}: its headers are not cached ` +
        `(~/.electron-gyp/${version}) and ${reach.url} is unreachable (${reach.why}).\n` +
        '  This needs network access to the Electron headers once; the current builds were left ' +
        `as they are (${stamp ? `built for ${stamp.runtime} ${stamp.version}` : 'unstamped'}).\n` +
        '  Tests do not need this step: `npm test` uses Node builds.',
    );
  }

  say(
    `rebuilding ${MODULES.join(', ')} for Electron ${version} (electron-builder install-app-deps)`,
  );
  // The Node headers dir (nodedir=/usr, which npm exports to scripts from
  // ~/.npmrc) must NOT leak into node-gyp here: it would silently build
  // against Node's headers and produce a binary Electron refuses to load.
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_config_(nodedir|runtime|target|disturl|dist_url)$/i.test(k)) delete env[k];
  }
  // From here on the old builds may be gone (node-gyp cleans before it builds).
  rmSync(STAMP, { force: true });
  const t = Date.now();
  if (!run(builder, ['install-app-deps'], env)) {
    fail(
      `electron-builder install-app-deps failed (full log: ${LOG}):\n${tailOfLog()}\n` +
        '  The native modules may now be unbuilt: `npm run native:node` restores the Node builds for tests.',
    );
  }
  writeStamp({ runtime: 'electron', version, abi: null });
  say(`done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
}

const mode = process.argv[2];
if (mode === 'node') ensureNode();
else if (mode === 'electron') await ensureElectron();
else {
  process.stderr.write('usage: node scripts/native-abi.mjs node|electron\n');
  process.exit(2);
}
