#!/usr/bin/env node
// Builds the native Matrix crypto binding (native/matrix-crypto: a Node-API
// module over matrix-sdk-crypto + matrix-sdk-sqlite) and copies it to
// native/matrix-crypto/parley-matrix-crypto.<platform>-<arch>.node, where
// main/daemon/connectors/matrix/crypto/native.ts looks for it.
//
//   node scripts/build-crypto.mjs            # skips when the .node is newer than the sources
//   node scripts/build-crypto.mjs --force
//   node scripts/build-crypto.mjs --if-possible   # no cargo: say so and go on (npm start, npm run web)
//
// Needs Rust 1.95 (native/matrix-crypto/rust-toolchain.toml) and crates.io.
// The build is niced and uses 2 jobs (a cold release build is ~500 CPU-seconds;
// one rustc peaks near 1.2 GB). Where cargo puts its work:
//   CARGO_TARGET_DIR   default .cache/matrix-crypto/target, emptied when Cargo.lock changes
//   CARGO_HOME         .cache/cargo once the setup script has filled it (PARLEY_CARGO_HOME
//                      overrides): cargo's fingerprints hold the crates' source paths, so a
//                      build by hand with another CARGO_HOME (~/.cargo, often set machine-wide)
//                      would rebuild every crate; without that cache, cargo's own default
// The same .node loads in Node and in Electron (Node-API, no V8 ABI), but one is
// needed per OS and CPU (linux-x64, darwin-arm64/x64, win32-x64…): electron-builder
// packs the one built on the machine it runs on (package.json build.files / asarUnpack).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CRATE = join(ROOT, 'native', 'matrix-crypto');
const OUT = join(CRATE, `parley-matrix-crypto.${process.platform}-${process.arch}.node`);
const force = process.argv.includes('--force');
// `npm start` / `npm run web`: build when Rust is there; without it the app still runs, and
// encrypted Matrix rooms stay read-only (the composer says why) until the module is built.
const ifPossible = process.argv.includes('--if-possible');

const say = (line) => process.stderr.write(`[build-crypto] ${line}\n`);

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else newest = Math.max(newest, s.mtimeMs);
    }
  };
  walk(join(CRATE, 'src'));
  for (const f of ['Cargo.toml', 'Cargo.lock', 'build.rs', 'rust-toolchain.toml'])
    newest = Math.max(newest, statSync(join(CRATE, f)).mtimeMs);
  return newest;
}

if (!force && existsSync(OUT) && statSync(OUT).mtimeMs >= newestSource()) {
  say(`up to date: ${OUT}`);
  process.exit(0);
}

const cargoCheck = spawnSync('cargo', ['--version'], { cwd: CRATE, encoding: 'utf8' });
if (cargoCheck.status !== 0) {
  say(
    'cargo is not installed (Rust 1.95: https://rustup.rs); the Matrix crypto module cannot be built' +
      (ifPossible ? ', so encrypted Matrix rooms stay read-only' : ''),
  );
  process.exit(ifPossible ? 0 : 1);
}

const targetDir = process.env.CARGO_TARGET_DIR ?? join(ROOT, '.cache', 'matrix-crypto', 'target');
// A changed Cargo.lock starts from an empty target dir, so old crate versions do not pile up.
const lockHash = createHash('sha256')
  .update(readFileSync(join(CRATE, 'Cargo.lock')))
  .digest('hex');
const stamp = join(dirname(targetDir), 'Cargo.lock.sha256');
if (!process.env.CARGO_TARGET_DIR && existsSync(stamp) && readFileSync(stamp, 'utf8') !== lockHash)
  rmSync(targetDir, { recursive: true, force: true });
mkdirSync(targetDir, { recursive: true });
if (!process.env.CARGO_TARGET_DIR) writeFileSync(stamp, lockHash);

// The crates' home the target dir was built against (see the header).
const setupCargoHome = join(ROOT, '.cache', 'cargo');
const cargoHome =
  process.env.PARLEY_CARGO_HOME ??
  (existsSync(join(setupCargoHome, 'registry')) ? setupCargoHome : process.env.CARGO_HOME);

const started = Date.now();
const nice = process.platform === 'win32' ? [] : ['nice', '-n', '19'];
const cmd = [...nice, 'cargo', 'build', '--release', '--locked', '-j', '2'];
say(`${cmd.join(' ')} (target ${targetDir})`);
const r = spawnSync(cmd[0], cmd.slice(1), {
  cwd: CRATE,
  stdio: 'inherit',
  env: {
    ...process.env,
    CARGO_TARGET_DIR: targetDir,
    ...(cargoHome ? { CARGO_HOME: cargoHome } : {}),
  },
});
if (r.status !== 0) {
  say(`cargo build failed (exit ${r.status})`);
  process.exit(1);
}
const lib = {
  linux: 'libparley_matrix_crypto.so',
  darwin: 'libparley_matrix_crypto.dylib',
  win32: 'parley_matrix_crypto.dll',
}[process.platform];
if (!lib) {
  say(`no library name known for ${process.platform}`);
  process.exit(1);
}
// A new file renamed into place: a process that has the old one loaded keeps its copy intact.
copyFileSync(join(targetDir, 'release', lib), `${OUT}.tmp`);
renameSync(`${OUT}.tmp`, OUT);
say(`built ${OUT} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
