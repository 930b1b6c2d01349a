#!/usr/bin/env node
// `npm test`:           native modules for Node -> typecheck -> lint -> all tests
// `npm run test:unit`:  native modules for Node -> test/unit only
//
//   node scripts/run-tests.mjs [unit] [PATH...]
//
// PATHs (files or directories) narrow the run to the test files under them,
// e.g. `npm test -- test/unit/fileSecretStore.test.ts` (typecheck and lint
// are skipped when paths are given).
//
// Test files, all run with node's test runner through tsx:
//   unit         test/unit/**/*.test.ts                  concurrency: CPU count
//   integration  test/integration/**/*.test.ts,
//                test/servers/**/*.test.ts, e2e/**/*.e2e.ts   concurrency: 1
//                (they start real servers; two at once on a 2-core CI box
//                 mostly buys timeouts)
//   keychain     test/keychain/**/*.test.ts              concurrency: 1, under
//                dbus-run-session -- bash scripts/start-keyring.sh (a private
//                D-Bus session with a throwaway, unlocked gnome-keyring)
//
// Each phase prints node's spec reporter to stdout and also writes TAP to
// test-results/<phase>.tap, from which the counts are read. The run ends with
// a summary whose last line is "total: N passed, N failed, N skipped"; the
// exit code is non-zero if any test, the typecheck or the lint failed.
// "skipped" counts every skipped test and every skipped suite (read from the
// TAP lines, since node's own count leaves out skipped suites). Under CI=true
// a skip for a missing prerequisite (test/helpers/prerequisites.ts) fails the
// run and names what is missing.
//
// Environment: PARLEY_TEST_CONCURRENCY (all phases), PARLEY_TEST_TIMEOUT_MS
// (per test, default 600000).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
process.chdir(ROOT);
const RESULTS = join(ROOT, 'test-results');

const args = process.argv.slice(2);
const unitOnly = args[0] === 'unit';
const filters = (unitOnly ? args.slice(1) : args).map((p) => resolve(ROOT, p));

const cpus = Math.max(1, availableParallelism());
const envConcurrency = Number(process.env.PARLEY_TEST_CONCURRENCY) || 0;
const timeoutMs = Number(process.env.PARLEY_TEST_TIMEOUT_MS) || 600_000;

const PHASES = [
  { name: 'unit', concurrency: cpus, find: [['test/unit', '.test.ts']] },
  {
    name: 'integration',
    concurrency: 1,
    find: [
      ['test/integration', '.test.ts'],
      ['test/servers', '.test.ts'],
      ['e2e', '.e2e.ts'],
    ],
  },
  { name: 'keychain', concurrency: 1, keyring: true, find: [['test/keychain', '.test.ts']] },
].filter((p) => !unitOnly || p.name === 'unit');

const steps = []; // { name, ok, detail, seconds }
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1);
const banner = (text) => process.stdout.write(`\n=== ${text}\n`);

function walk(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'fixtures') out.push(...walk(p, suffix));
    } else if (entry.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

function selected(file) {
  return filters.length === 0 || filters.some((f) => file === f || file.startsWith(f + sep));
}

// 1. native modules built for this Node (rebuilds if the app last built them for Electron)
{
  const t = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'native-abi.mjs'), 'node'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stdout.write('\nnative modules could not be prepared for Node; no tests were run.\n');
    process.stdout.write('total: 0 passed, 1 failed\n');
    process.exit(1);
  }
  steps.push({
    name: 'native modules',
    ok: true,
    detail: `built for Node ${process.versions.node}`,
    seconds: secs(t),
  });
}

// 2. typecheck and lint (the whole suite only)
if (!unitOnly && filters.length === 0) {
  for (const script of ['typecheck', 'lint']) {
    banner(`npm run ${script}`);
    const t = Date.now();
    const r = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
    const ok = r.status === 0;
    steps.push({
      name: script,
      ok,
      detail: ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`,
      seconds: secs(t),
    });
  }
}

// 3. tests
mkdirSync(RESULTS, { recursive: true });

// Node's runner leaves a skipped describe() out of its "# skipped" count (and
// never registers the tests inside it), so skips are counted from the TAP
// lines themselves: one per skipped test or suite, at any depth.
const SKIP_LINE = /^\s*ok \d+ - .* # SKIP(?: (.*))?$/;
// test/helpers/prerequisites.ts starts every skip for a missing server,
// browser or keychain with this text.
const MISSING_MARKER = 'missing prerequisite:';

function parseTap(file) {
  if (!existsSync(file)) return null;
  const counts = {};
  const skips = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line);
    if (m) counts[m[1]] = Number(m[2]); // the last (top-level) summary wins
    const skip = SKIP_LINE.exec(line);
    if (skip) skips.push((skip[1] ?? '').trim());
  }
  if (!('tests' in counts)) return null;
  counts.skipped = skips.length;
  counts.missing = skips.filter((reason) => reason.startsWith(MISSING_MARKER));
  return counts;
}

function keyringMissing() {
  if (process.platform !== 'linux') return 'the keychain tests use gnome-keyring (Linux only)';
  const missing = ['dbus-run-session', 'gnome-keyring-daemon', 'dbus-send'].filter(
    (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status !== 0,
  );
  return missing.length
    ? `${missing.join(', ')} not installed: run bash scripts/setup-test-env.sh`
    : null;
}

function runPhase(phase, files) {
  const concurrency = envConcurrency || phase.concurrency;
  const tap = join(RESULTS, `${phase.name}.tap`);
  rmSync(tap, { force: true });
  const nodeArgs = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files.map((f) => relative(ROOT, f)),
  ];
  const [cmd, cmdArgs] = phase.keyring
    ? [
        'dbus-run-session',
        ['--', 'bash', 'scripts/start-keyring.sh', process.execPath, ...nodeArgs],
      ]
    : [process.execPath, nodeArgs];
  banner(`${phase.name} tests: ${files.length} file(s), concurrency ${concurrency}`);
  return new Promise((resolvePhase) => {
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'inherit', 'pipe'] });
    // Forward stderr, minus dbus-daemon's chatter about the private session bus.
    let pending = '';
    child.stderr.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines)
        if (!/^dbus-daemon\[\d+\]: /.test(line)) process.stderr.write(line + '\n');
    });
    child.on('error', (err) => resolvePhase({ status: 127, error: err }));
    child.on('close', (status, signal) => {
      if (pending && !/^dbus-daemon\[\d+\]: /.test(pending)) process.stderr.write(pending + '\n');
      resolvePhase({ status: status ?? 128, signal, tap });
    });
  });
}

const totals = { pass: 0, fail: 0, skipped: 0 };
for (const phase of PHASES) {
  const files = phase.find
    .flatMap(([dir, suffix]) => walk(join(ROOT, dir), suffix))
    .filter(selected);
  if (files.length === 0) continue;
  if (phase.keyring) {
    const why = keyringMissing();
    if (why) {
      steps.push({
        name: `${phase.name} tests`,
        ok: false,
        detail: `NOT RUN: ${why}`,
        seconds: '0.0',
      });
      totals.fail += 1;
      continue;
    }
  }
  const t = Date.now();
  const r = await runPhase(phase, files);
  const c = r.tap ? parseTap(r.tap) : null;
  if (!c) {
    const why = r.error ? String(r.error) : `exit ${r.signal ?? r.status}`;
    steps.push({
      name: `${phase.name} tests`,
      ok: false,
      detail: `runner failed, no results (${why})`,
      seconds: secs(t),
    });
    totals.fail += 1;
    continue;
  }
  const failed = (c.fail ?? 0) + (c.cancelled ?? 0);
  const skipped = c.skipped + (c.todo ?? 0);
  totals.pass += c.pass ?? 0;
  totals.fail += failed;
  totals.skipped += skipped;
  // A non-zero exit with no failing test (e.g. a crash after the run) still fails.
  const ok = r.status === 0 && failed === 0;
  if (r.status !== 0 && failed === 0) totals.fail += 1;
  steps.push({
    name: `${phase.name} tests`,
    ok,
    detail: `${c.pass ?? 0} passed, ${failed} failed, ${skipped} skipped${ok ? '' : r.status !== 0 && failed === 0 ? ` (runner exit ${r.status})` : ''}`,
    seconds: secs(t),
  });
  // CI must run everything: a server or browser that is missing there is a
  // broken setup, not a reason to report green.
  if (process.env.CI === 'true' && c.missing.length > 0) {
    const names = [...new Set(c.missing)];
    steps.push({
      name: `${phase.name} prerequisites`,
      ok: false,
      detail: `CI=true and ${c.missing.length} test(s)/suite(s) skipped: ${names.join('; ')}`,
      seconds: '0.0',
    });
    totals.fail += c.missing.length;
  }
}

// 4. summary
const width = Math.max(...steps.map((s) => s.name.length));
process.stdout.write('\n=== summary\n');
for (const s of steps) {
  process.stdout.write(
    `${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(width)}  ${s.detail}  (${s.seconds}s)\n`,
  );
}
if (totals.pass + totals.fail === 0) process.stdout.write('warning: no tests were run\n');
const allOk = steps.every((s) => s.ok);
process.stdout.write(
  `total: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`,
);
process.exit(allOk ? 0 : 1);
