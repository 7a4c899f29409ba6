#!/usr/bin/env bash
# Installs what building and testing need, idempotently: Debian packages with apt-get, Python oracles with pip.
# Safe to run again: it only installs what is missing.
set -euo pipefail

APT_PACKAGES=(
  libssl-dev          # OpenSSL: all crypto goes through the system libcrypto
  libunbound-dev      # asynchronous DNS key lookup
  libevent-dev        # libunbound's pkg-config file wants it
  libmilter-dev       # mfdef.h: the milter constants our codec is checked against
  dnsmasq-base        # a real DNS server on a loopback port for the tests
  libmail-dkim-perl   # Perl Mail::DKIM: a verification oracle
  openssl             # the command line, to cross-check keys
  python3-pip
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# dkimpy verifies what we sign (PyNaCl gives it Ed25519); dnspython lets it ask our loopback DNS server.
if ! python3 -c 'import dkim, nacl, dns' 2>/dev/null; then
  echo "install-deps: pip install dkimpy PyNaCl dnspython"
  python3 -m pip install -q --disable-pip-version-check dkimpy PyNaCl dnspython 2>&1 | grep -v 'Running pip as the' || true
fi
