#!/usr/bin/env bash
# Runs every test of the workspace: `bash scripts/test.sh [extra cargo test arguments]`.
#
# The integration tests start real servers (OpenLDAP slapd, PostgreSQL, an aiosmtpd SMTP sink, Samba as an AD DC) on 127.0.0.1 through
# latchkey-testkit. This script first makes sure those servers are installed: as root with
# apt-get it installs them, otherwise it says exactly what to install.
set -euo pipefail

# Work from the repository root, wherever the script is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Debian/Ubuntu packages that provide the test servers.
PACKAGES=(slapd ldap-utils postgresql python3-aiosmtpd openssl samba samba-dsdb-modules samba-vfs-modules samba-ad-provision)

# Find what is missing. slapd lives in /usr/sbin (often not on a user's PATH); PostgreSQL's
# server programs live in /usr/lib/postgresql/<version>/bin.
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }
missing=()
have slapd || missing+=(slapd)
have ldapsearch || missing+=(ldapsearch)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(initdb)
# The SMTP sink is Debian's aiosmtpd, for Debian's python (not a pyenv one on PATH).
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(aiosmtpd)
have openssl || missing+=(openssl)
# Samba as an AD DC: the server, its directory and file-system modules and the provisioning
# templates (the last three are only "recommended" by the samba package, so
# --no-install-recommends leaves them out; provisioning fails without any of them).
have samba || missing+=(samba)
compgen -G '/usr/lib/*/samba/ldb/samba_dsdb.so' >/dev/null || missing+=(samba-dsdb-modules)
compgen -G '/usr/lib/*/samba/vfs/acl_xattr.so' >/dev/null || missing+=(samba-vfs-modules)
[[ -d /usr/share/samba/setup ]] || missing+=(samba-ad-provision)

# Install the missing servers, or explain how and stop.
if ((${#missing[@]} > 0)); then
  echo "test servers missing: ${missing[*]}"
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  else
    echo "Install them (Debian/Ubuntu), then run this script again:" >&2
    echo "  sudo apt-get install --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

# Run the tests of every crate; extra arguments are passed on to cargo test.
exec cargo test --workspace --locked --all-targets "$@"
