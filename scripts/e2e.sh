#!/usr/bin/env bash
# Runs the browser tests: `bash scripts/e2e.sh [extra node --test arguments]`.
#
# Playwright (playwright-core from e2e/package-lock.json) drives Debian's Chromium against a real
# `latchkey demo` server that each test file starts on 127.0.0.1. As root with apt-get this
# script installs Chromium when it is missing, otherwise it says what to install. Screenshots of
# every page visited go to target/e2e-screenshots/<test>/.
set -euo pipefail

# Work from the repository root, wherever the script is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian's Chromium (Playwright's own browser download cannot be fetched here).
export CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM_BIN ]]; then
  echo "chromium missing ($CHROMIUM_BIN)"
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
  else
    echo "Install it (Debian/Ubuntu), then run this script again:" >&2
    echo "  sudo apt-get install --no-install-recommends chromium" >&2
    exit 1
  fi
fi
# (Debian's wrapper script complains on stderr about its memory check; the version is on stdout.)
"$CHROMIUM_BIN" --version 2>/dev/null

# Node.js and npm come with the machine; playwright-core exactly as the lock file says.
command -v node >/dev/null 2>&1 || { echo "node is missing: install Node.js 20 or later" >&2; exit 1; }
node --version
if [[ ! -f e2e/node_modules/playwright-core/package.json ]] ||
  [[ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
  npm ci --prefix e2e --no-audit --no-fund
fi

# The server binary the tests start.
cargo build -p latchkey --locked
# The binary cargo just built, wherever CARGO_TARGET_DIR puts it.
export LATCHKEY_BIN=${LATCHKEY_BIN:-${CARGO_TARGET_DIR:-target}/debug/latchkey}

# The tests; each file has its own server and browser. The timeout stops a hung browser.
rm -rf target/e2e-screenshots
rc=0
timeout --kill-after=10 180 node --test --test-timeout=120000 "$@" e2e/tests/ || rc=$?
if ((rc == 124)); then echo "the browser tests did not finish within 180 s" >&2; fi
shots=$(find target/e2e-screenshots -name '*.png' 2>/dev/null | wc -l)
echo "screenshots: $shots in target/e2e-screenshots/"
exit "$rc"
