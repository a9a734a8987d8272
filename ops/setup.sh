#!/usr/bin/env bash
# Sets fakeout up on a Debian/Ubuntu machine with Node >= 20.11 (package.json "engines"). Idempotent: installs only what is
# missing, so running it twice is quick and harmless.
#   - nats-server (Debian package) when it is not on PATH
#   - the npm dependencies, exactly as locked (npm ci), when node_modules is missing or stale
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# Keep in step with "engines" in package.json (spec/app/engines.test.ts checks it): 20.11 is the
# first Node 20 with import.meta.dirname (the tests) and module.register (tsx's loader) is older.
NODE_MIN_MAJOR=20 NODE_MIN_MINOR=11
need="Node.js >= ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR} is required"
how="install a current Node 20 or 22 LTS (https://nodejs.org, or nvm: nvm install 22) and re-run"
command -v node >/dev/null 2>&1 || die "$need; $how."
node_major=$(node -p 'process.versions.node.split(".")[0]')
node_minor=$(node -p 'process.versions.node.split(".")[1]')
if (( node_major < NODE_MIN_MAJOR || (node_major == NODE_MIN_MAJOR && node_minor < NODE_MIN_MINOR) )); then
  die "$need; found $(node --version): $how."
fi
say "node $(node --version)"

if command -v nats-server >/dev/null 2>&1; then
  say "nats-server present: $(nats-server --version 2>&1 | head -n1)"
else
  say "nats-server missing; installing it with apt-get"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "nats-server is missing and this is not root; run: sudo apt-get install nats-server"
    SUDO="sudo"
  fi
  command -v apt-get >/dev/null 2>&1 || die "nats-server is missing and apt-get is not available; install nats-server (https://nats.io) and re-run."
  $SUDO apt-get update -qq || die "apt-get update failed; install nats-server by hand and re-run."
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server || die "apt-get install nats-server failed; install it by hand and re-run."
  command -v nats-server >/dev/null 2>&1 || die "nats-server still not on PATH after install."
  say "installed $(nats-server --version 2>&1 | head -n1)"
fi

# npm ci is the reproducible install; skip it when node_modules already matches the lock file.
stamp=node_modules/.fakeout-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  say "npm dependencies up to date"
else
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
say "ready: npm start (main job), npm test (tests)"
