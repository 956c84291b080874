#!/usr/bin/env bash
# Runs the browser tests: `bash scripts/e2e.sh [extra node --test arguments]`.
#
# Playwright (playwright-core from e2e/package-lock.json) drives Debian's Chromium against a real
# `latchkey demo` server that each test file starts on 127.0.0.1; the forgotten-password test
# with real mail runs `latchkey serve` on the demo's data with an aiosmtpd SMTP server (Debian's
# python3-aiosmtpd, as in scripts/test.sh). As root with apt-get this script installs Chromium
# and aiosmtpd when they are missing, otherwise it says what to install. Screenshots of every
# page visited go to target/e2e-screenshots/<test>/.
set -euo pipefail

# Work from the repository root, wherever the script is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian's Chromium (Playwright's own browser download cannot be fetched here), and the SMTP
# server of the mail tests: Debian's aiosmtpd, for Debian's python (not a pyenv one on PATH).
export CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
missing=()
[[ -x $CHROMIUM_BIN ]] || missing+=(chromium)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
if ((${#missing[@]})); then
  echo "missing: ${missing[*]}"
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "Install them (Debian/Ubuntu), then run this script again:" >&2
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
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

# The tests; each file has its own server and browser, so two files run at a time (Node's
# default on two cores would be one). They take about three minutes; the timeout stops a hung
# browser.
rm -rf target/e2e-screenshots
rc=0
timeout --kill-after=10 420 node --test --test-concurrency=2 --test-timeout=120000 "$@" e2e/tests/ || rc=$?
if ((rc == 124)); then echo "the browser tests did not finish within 420 s" >&2; fi
shots=$(find target/e2e-screenshots -name '*.png' 2>/dev/null | wc -l)
echo "screenshots: $shots in target/e2e-screenshots/"
exit "$rc"
