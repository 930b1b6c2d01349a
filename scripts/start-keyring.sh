#!/usr/bin/env bash
# Runs a command against a real, throwaway GNOME keyring:
#
#   dbus-run-session -- bash scripts/start-keyring.sh node --import tsx --test test/keychain/*.test.ts
#
# Must run inside a private D-Bus session (dbus-run-session gives one, and
# tears the keyring daemon down with it). The keyring lives in temporary
# XDG_DATA_HOME / XDG_RUNTIME_DIR directories, so a developer's own login
# keyring and running gnome-keyring-daemon are never touched. The keyring is
# created and unlocked with the password "test" (gnome-keyring-daemon reads it
# from stdin).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: dbus-run-session -- bash scripts/start-keyring.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "start-keyring.sh: no D-Bus session; run it under dbus-run-session" >&2
  exit 2
fi
command -v gnome-keyring-daemon >/dev/null 2>&1 || {
  echo "start-keyring.sh: gnome-keyring-daemon not found; run: bash scripts/setup-test-env.sh" >&2
  exit 2
}

KEYRING_TMP="$(mktemp -d "${TMPDIR:-/tmp}/parley-keyring.XXXXXX")"
mkdir -p -m 700 "$KEYRING_TMP/data" "$KEYRING_TMP/runtime"
export XDG_DATA_HOME="$KEYRING_TMP/data"
export XDG_RUNTIME_DIR="$KEYRING_TMP/runtime"
trap 'rm -rf "$KEYRING_TMP"' EXIT

# --unlock creates the "login" keyring (the default collection) if needed,
# unlocks it with the password on stdin, and prints the variables clients
# need (GNOME_KEYRING_CONTROL, ...), which we export.
out="$(printf '%s' test | gnome-keyring-daemon --unlock --components=secrets)"
while IFS= read -r line; do
  case "$line" in
    *=*) export "${line?}" ;;
  esac
done <<<"$out"

# The daemon claims org.freedesktop.secrets asynchronously; wait for it so the
# first client does not race D-Bus activation of a second daemon.
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done

export PARLEY_TEST_KEYRING=1
# Not exec: the EXIT trap removes the keyring directory afterwards.
status=0
"$@" || status=$?
exit "$status"
