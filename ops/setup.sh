#!/usr/bin/env bash
# Sets fakeout up on a Debian/Ubuntu machine with Node >= 20.11 (package.json "engines"). Idempotent: installs only what is
# missing, so running it twice is quick and harmless.
#   - nats-server (Debian package) when it is not on PATH
#   - chrony (Debian package) when chronyd is missing: the tests run their own chronyd as a loopback NTP server
#   - prometheus (Debian package) when promtool is missing: npm test lints /metrics and the alert rules with it;
#     the Prometheus server service that package starts is stopped and disabled (see below)
#   - the npm dependencies, exactly as locked (npm ci), when node_modules is missing or stale
#   - the patches in ops/patches/ to installed packages (each idempotent; README "Patched dependencies")
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

# apt_install WHAT PACKAGE: installs a Debian package with apt-get (sudo when not root), or explains
# what to do by hand. WHAT is the program that is missing, for the messages.
apt_install() {
  local what=$1 pkg=$2 SUDO=""
  shift 2 # the rest: extra apt-get install options (e.g. --no-install-recommends)
  say "$what missing; installing $pkg with apt-get"
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "$what is missing and this is not root; run: sudo apt-get install $pkg"
    SUDO="sudo"
  fi
  command -v apt-get >/dev/null 2>&1 || die "$what is missing and apt-get is not available; install $pkg and re-run."
  $SUDO apt-get update -qq || die "apt-get update failed; install $pkg by hand and re-run."
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" "$pkg" || die "apt-get install $pkg failed; install it by hand and re-run."
}

if command -v nats-server >/dev/null 2>&1; then
  say "nats-server present: $(nats-server --version 2>&1 | head -n1)"
else
  apt_install nats-server nats-server
  command -v nats-server >/dev/null 2>&1 || die "nats-server still not on PATH after install."
  say "installed $(nats-server --version 2>&1 | head -n1)"
fi

# chronyd serves NTP on loopback for spec/time/sntp-servers.test.ts (started and stopped by the test,
# with -x so it never touches the clock). Note what the package does to the machine: Debian's chrony
# replaces systemd-timesyncd (the packages conflict) and, where systemd runs, its postinst starts chrony
# as the system's time service. That service is the system's, not ours: setup never stops or changes it.
chronyd_bin=$(command -v chronyd 2>/dev/null || { [[ -x /usr/sbin/chronyd ]] && echo /usr/sbin/chronyd; } || true)
if [[ -n $chronyd_bin ]]; then
  say "chronyd present: $("$chronyd_bin" -v 2>&1 | head -n1)"
else
  # it replaces systemd-timesyncd as the system NTP client (see above)
  apt_install chronyd chrony
  [[ -x /usr/sbin/chronyd ]] || command -v chronyd >/dev/null 2>&1 || die "chronyd still missing after install."
  say "installed $(/usr/sbin/chronyd -v 2>&1 | head -n1)"
fi

# chromium renders the backtest report in spec/research/report-browser.test.ts (driven by playwright-core,
# which downloads no browser of its own). Debian names the binary chromium, Ubuntu's package chromium-browser.
chromium_bin=$(command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true)
if [[ -n $chromium_bin ]]; then
  say "chromium present: $("$chromium_bin" --version 2>/dev/null | head -n1)"
else
  apt_install chromium chromium
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || die "chromium still not on PATH after install."
  say "installed $(chromium --version 2>/dev/null | head -n1)"
fi

# promtool lints GET /metrics and ops/alerts.yml in npm test (spec/ops/promtool.test.ts); Debian ships it
# in the prometheus package. --no-install-recommends keeps prometheus-node-exporter (a second service
# on :9100) off the machine. Where systemd runs, the package's postinst enables and starts the
# Prometheus server on :9090 with its own config: we only wanted promtool, so setup stops and
# disables that one service right after installing it (only when setup installed it: a Prometheus
# that was there before is the machine's, and setup does not touch it). Run Prometheus against
# fakeout with ops/prometheus.yml instead (docs/operations.md "Prometheus").
if command -v promtool >/dev/null 2>&1; then
  say "promtool present: $(promtool --version 2>&1 | head -n1)"
else
  apt_install promtool prometheus --no-install-recommends
  command -v promtool >/dev/null 2>&1 || die "promtool still not on PATH after installing prometheus."
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || say "could not stop prometheus.service; stop it by hand (systemctl disable --now prometheus)"
    say "stopped and disabled the prometheus.service the package started (only promtool is needed)"
  fi
  say "installed $(promtool --version 2>&1 | head -n1)"
fi

# npm ci is the reproducible install; skip it when node_modules already matches the lock file.
stamp=node_modules/.fakeout-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  say "npm dependencies up to date"
else
  # npm ci empties node_modules first: through a symlink (a git worktree sharing another
  # checkout's install) that would empty the other checkout's install under it.
  [[ -L node_modules ]] && die "node_modules is a symlink to $(readlink node_modules): run ops/setup.sh in the checkout that owns it, or replace the link with a directory"
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
# Patches to installed packages, after every install (npm ci rewrites node_modules). Each script
# is idempotent and exits non-zero when the text it patches is not found (another version).
for patch in ops/patches/*.mjs; do
  node "$patch" node_modules || die "$patch failed: see its header for what it patches and why."
done
say "ready: npm start (main job), npm test (tests)"
