#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs `swift test`, then the interoperability tests
# against dkimpy and Perl Mail::DKIM with keys served by a real DNS server (dnsmasq) on a loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== swift build"
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting|Linking)|^Building|^$' || true
swift build --build-tests >/dev/null   # fails loudly if the build did

echo "== swift test"
swift test --skip-build --parallel --num-workers 2

echo "== interoperability: dkimpy and Mail::DKIM"
scripts/oracle/run.sh "$(swift build --show-bin-path)/dkimctl"
