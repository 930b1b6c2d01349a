#!/usr/bin/env bash
# Prepares a machine (Debian 12 / Ubuntu, as root or a sudoer) to run `npm test`.
#
#   bash scripts/setup-test-env.sh && npm test
#
# Idempotent: packages already installed, a working Synapse virtualenv and an
# unchanged node_modules are left alone, so a second run takes seconds.
#
# Steps:
#   1. apt packages: toolchain for native modules (better-sqlite3, keytar),
#      libsecret + gnome-keyring + dbus for the real-keychain tests, chromium
#      for e2e, cyrus (IMAP/JMAP) + sasl2-bin for the JMAP Mail tests. Cyrus
#      is installed WITHOUT leaving a system daemon running.
#   2. the native Matrix crypto module (native/matrix-crypto, Rust), started in
#      the background and waited for at the end: Rust 1.95 through rustup when
#      cargo is missing or older, then scripts/build-crypto.mjs (nice 19, 2
#      jobs; skipped when the .node is newer than its sources). Crates go to
#      .cache/cargo (CARGO_HOME) and the build to .cache/matrix-crypto/target,
#      emptied when Cargo.lock changes, so a CI cache of .cache/ makes a
#      rebuild take seconds. A cold build is about 600 CPU-seconds (6-7 min on
#      an idle 2-core machine); steps 3 and 4 run meanwhile.
#   3. Synapse (the Matrix homeserver of the tests) in a git-ignored
#      virtualenv: .cache/synapse-venv
#   4. ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci   (the lock file is always checked
#      with a dry run first; the install itself is skipped when the lockfile and
#      the installed tree are unchanged; PARLEY_FORCE_NPM_CI=1 forces it)
#
# Progress goes to stderr, one short line per step; the full output of each
# step goes to .cache/setup-logs/<step>.log and its tail is shown on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOG_DIR="$ROOT/.cache/setup-logs"
mkdir -p "$LOG_DIR"

say() { printf '[setup] %s\n' "$*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# run_logged NAME CMD... : runs CMD with its output in $LOG_DIR/NAME.log; on
# failure prints the log's tail and exits.
run_logged() {
  local name="$1"
  shift
  local log="$LOG_DIR/$name.log"
  if ! "$@" >"$log" 2>&1; then
    say "FAILED: $* (last lines of $log follow)"
    tail -n 40 "$log" >&2 || true
    exit 1
  fi
}

SETUP_START="$(now)"

# --- privileges -------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed; run as root"
  SUDO=(sudo)
fi
as_root() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$@"; }

# --- 1. apt packages ---------------------------------------------------------
BASE_PACKAGES=(
  build-essential python3 python3-venv python3-dev
  libsecret-1-dev gnome-keyring dbus dbus-x11 libsecret-tools
  chromium fonts-noto-color-emoji
)
CYRUS_PACKAGES=(cyrus-imapd cyrus-caldav sasl2-bin)

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing_of() {
  local p
  for p in "$@"; do
    is_installed "$p" || printf '%s\n' "$p"
  done
}

# Wait for another apt/dpkg (e.g. unattended-upgrades on a fresh VM) instead of failing.
APT_LOCK_WAIT=(-o DPkg::Lock::Timeout=600)
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    run_logged apt-update as_root apt-get update -qq "${APT_LOCK_WAIT[@]}"
    APT_UPDATED=1
  fi
}

# Ubuntu has no installable "chromium" deb (it is a snap shim there); fall
# back to chromium-browser so the rest of the setup still works.
resolve_chromium() {
  if apt-cache show chromium >/dev/null 2>&1 &&
    [ -n "$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }')" ]; then
    echo chromium
  else
    echo chromium-browser
  fi
}

policy_backup=""
policy_installed=0
restore_policy_rc() {
  if [ "$policy_installed" -eq 1 ]; then
    if [ -n "$policy_backup" ]; then
      as_root mv -f "$policy_backup" /usr/sbin/policy-rc.d || true
    else
      as_root rm -f /usr/sbin/policy-rc.d || true
    fi
    policy_installed=0
  fi
}
# A failing step ends the script: the background build (step 2) goes with it.
CRYPTO_PID=""
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
on_exit() {
  restore_policy_rc
  if [ -n "$CRYPTO_PID" ] && kill -0 "$CRYPTO_PID" 2>/dev/null; then kill_tree "$CRYPTO_PID"; fi
}
trap on_exit EXIT

# invoke-rc.d (and deb-systemd-invoke) ask /usr/sbin/policy-rc.d whether a
# maintainer script may start a service; exit code 101 means "no". We put one
# in place for the duration of the cyrus install so its postinst neither starts
# a system cyrus daemon nor fails because it cannot start one.
deny_service_starts() {
  if [ -e /usr/sbin/policy-rc.d ]; then
    policy_backup="$(mktemp /tmp/policy-rc.d.parley.XXXXXX)"
    as_root cp -p /usr/sbin/policy-rc.d "$policy_backup"
  fi
  printf '#!/bin/sh\n# temporary, written by parley scripts/setup-test-env.sh\nexit 101\n' |
    as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod 755 /usr/sbin/policy-rc.d
  policy_installed=1
}

t="$(now)"
missing=()
while IFS= read -r p; do missing+=("$p"); done < <(missing_of "${BASE_PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update_once
  for i in "${!missing[@]}"; do
    if [ "${missing[$i]}" = chromium ]; then missing[$i]="$(resolve_chromium)"; fi
  done
  say "apt: installing ${missing[*]}"
  run_logged apt-base as_root apt-get install -y -qq "${APT_LOCK_WAIT[@]}" "${missing[@]}"
fi
say "apt base packages ok ($(elapsed "$t"))"

t="$(now)"
missing=()
while IFS= read -r p; do missing+=("$p"); done < <(missing_of "${CYRUS_PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update_once
  had_mta=0
  is_installed exim4-daemon-light && had_mta=1
  say "apt: installing ${missing[*]} (service starts disabled)"
  deny_service_starts
  run_logged apt-cyrus as_root apt-get install -y -qq --no-install-recommends "${APT_LOCK_WAIT[@]}" "${missing[@]}"
  restore_policy_rc
  # Tests start their own cyrus master with their own config on loopback
  # ports; a system instance would only hold ports 143/993/8008. On systemd
  # machines also keep it (and the MTA cyrus pulled in, if it was new) from
  # starting at boot. Without systemd nothing starts them at all.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    units=(cyrus-imapd.service)
    [ "$had_mta" -eq 1 ] || units+=(exim4.service)
    as_root systemctl disable --now "${units[@]}" >/dev/null 2>&1 || true
  fi
fi
if command -v pgrep >/dev/null 2>&1 && pgrep -x cyrmaster >/dev/null 2>&1; then
  say "note: a system cyrus master (cyrmaster) is running; it was not started by this script"
fi
say "apt cyrus packages ok ($(elapsed "$t"))"

# --- 2. native Matrix crypto module, built in the background ------------------
# Its ~6 minutes are mostly one large crate at a time (niced, 2 jobs) and need
# only Rust and node; the Synapse and npm steps below are mostly downloads, so
# they run meanwhile and the build is waited for at the end.
build_crypto_module() {
  t="$(now)"
  RUST_VERSION=1.95.0
  [ -d "$HOME/.cargo/bin" ] && PATH="$HOME/.cargo/bin:$PATH"
  rust_ok() {
    command -v cargo >/dev/null 2>&1 && command -v rustc >/dev/null 2>&1 &&
      rustc --version | awk -v want="$RUST_VERSION" '{
        split($2, h, "."); split(want, w, ".");
        exit !((h[1] > w[1]) || (h[1] == w[1] && h[2] >= w[2]))
      }'
  }
  if ! rust_ok; then
    command -v curl >/dev/null 2>&1 || run_logged apt-curl as_root apt-get install -y -qq "${APT_LOCK_WAIT[@]}" curl
    say "rust: installing $RUST_VERSION with rustup (minimal profile)"
    run_logged rustup bash -c "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain $RUST_VERSION"
    PATH="$HOME/.cargo/bin:$PATH"
    rust_ok || die "rustup ran but rustc $RUST_VERSION+ is not on PATH (see $LOG_DIR/rustup.log)"
  fi
  export CARGO_HOME="${PARLEY_CARGO_HOME:-$ROOT/.cache/cargo}"
  run_logged build-crypto node scripts/build-crypto.mjs
  say "matrix crypto module ok: $(tail -n 1 "$LOG_DIR/build-crypto.log" | sed 's/^\[build-crypto\] //') ($(elapsed "$t"))"
}
build_crypto_module &
CRYPTO_PID=$!

# --- 3. Synapse virtualenv ---------------------------------------------------
t="$(now)"
VENV="$ROOT/.cache/synapse-venv"
# Prefer the distribution's python3 (python3-venv/python3-dev are installed for
# it) over whatever a version manager put first on PATH.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
synapse_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import synapse.app.homeserver' >/dev/null 2>&1; }
if synapse_ok; then
  say "synapse venv ok, reused ($(elapsed "$t"))"
else
  if [ -d "$VENV" ]; then
    say "synapse venv broken or incomplete: recreating"
    rm -rf "$VENV"
  fi
  say "synapse: creating $VENV and installing matrix-synapse (takes a while)"
  run_logged synapse-venv "$PYTHON" -m venv "$VENV"
  run_logged synapse-pip "$VENV/bin/python" -m pip install -q matrix-synapse
  synapse_ok || die "matrix-synapse installed but synapse.app.homeserver does not import (see $LOG_DIR/synapse-pip.log)"
  say "synapse venv installed: matrix-synapse $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("matrix-synapse"))') ($(elapsed "$t"))"
fi
# Link previews (/_matrix/client/v1/media/preview_url) need Synapse's
# `url-preview` extra: lxml in older releases, beautifulsoup4 since 1.16x.
# Checked by distribution name against what the installed release declares, so
# a venv made before this step gets it too and a complete one is left alone.
preview_deps_ok() {
  "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import importlib.metadata as m, re
reqs = [r for r in (m.metadata("matrix-synapse").get_all("Requires-Dist") or []) if "extra == 'url-preview'" in r or 'extra == "url-preview"' in r]
for r in reqs:
    m.version(re.split(r"[ <>=!~;\[]", r, maxsplit=1)[0])
PY
}
if ! preview_deps_ok; then
  say "synapse: adding the url-preview extra (link previews)"
  run_logged synapse-pip-preview "$VENV/bin/python" -m pip install -q \
    "matrix-synapse[url-preview]==$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("matrix-synapse"))')"
  preview_deps_ok || die "synapse url-preview dependencies did not install (see $LOG_DIR/synapse-pip-preview.log)"
fi

# --- 4. node_modules ---------------------------------------------------------
t="$(now)"
command -v node >/dev/null 2>&1 || die "node is not installed (need Node 20.19+ or 22.13+)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
# package.json "engines": everything `npm test` runs supports Node 20.19+ (vite,
# electron-vite, jsdom) and 22.13+; only packaging (@electron/rebuild) needs 22.12+.
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  process.exit((maj === 20 && min >= 19) || maj === 21 || (maj === 22 && min >= 13) || maj > 22 ? 0 : 1);
' || die "Node $(node --version) is too old: the tests need Node 20.19+ or 22.13+"
# Native modules (better-sqlite3, keytar) build from source here (prebuilt
# downloads are not reachable offline): use the installed node headers instead
# of downloading them.
if [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD=1

NPM_STAMP="node_modules/.parley-npm-ci"
npm_fingerprint() {
  {
    node -e '
      const p = require("./package.json");
      const pick = ({ dependencies, devDependencies, optionalDependencies, overrides }) =>
        ({ dependencies, devDependencies, optionalDependencies, overrides });
      console.log(JSON.stringify(pick(p)));
      console.log(process.version, process.platform, process.arch);
    '
    cat package-lock.json
  } | sha256sum | cut -d' ' -f1
}
# The lock file is checked on every run, before any stamp is consulted: an
# installed node_modules must never hide a lock file that `npm ci` refuses.
lock_check_dir="$(mktemp -d)"
cp package.json package-lock.json "$lock_check_dir"/
if ! (cd "$lock_check_dir" && npm ci --dry-run --ignore-scripts --no-audit --no-fund) >"$LOG_DIR/npm-lock-check.log" 2>&1; then
  rm -rf "$lock_check_dir"
  say "FAILED: npm ci refuses package-lock.json (regenerate it with npm install --package-lock-only):"
  grep -E '^npm error' "$LOG_DIR/npm-lock-check.log" | head -n 12 >&2 || true
  exit 1
fi
rm -rf "$lock_check_dir"

want="$(npm_fingerprint)"
have="$(cat "$NPM_STAMP" 2>/dev/null || true)"
if [ "${PARLEY_FORCE_NPM_CI:-0}" != 1 ] && [ "$want" = "$have" ] && [ -f node_modules/.package-lock.json ]; then
  say "node_modules up to date, npm ci skipped (PARLEY_FORCE_NPM_CI=1 forces it) ($(elapsed "$t"))"
else
  say "npm ci (ELECTRON_SKIP_BINARY_DOWNLOAD=1; builds better-sqlite3 and keytar from source)"
  log="$LOG_DIR/npm-ci.log"
  # An install that cannot follow package-lock.json exactly is an error: a
  # lock file that `npm ci` refuses here is refused on every new machine.
  if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
    say "FAILED: npm ci (last lines of $log follow)"
    tail -n 40 "$log" >&2 || true
    exit 1
  fi
  printf '%s\n' "$want" >"$NPM_STAMP"
  say "node_modules installed ($(elapsed "$t"))"
fi

if ! wait "$CRYPTO_PID"; then
  CRYPTO_PID=""
  die "the matrix crypto module did not build (see above, and $LOG_DIR/build-crypto.log)"
fi
CRYPTO_PID=""

say "test environment ready ($(elapsed "$SETUP_START") total)"
