#!/usr/bin/env bash
# Prints the DKIM core's figures next to `openssl speed`, measured in the same run. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product dkim-bench >/dev/null
.build/release/dkim-bench
echo
echo "openssl speed (same machine, same run):"
openssl speed -seconds 3 rsa2048 2>/dev/null | grep -E '^rsa 2048' | awk '{printf "  rsa-2048 sign %.1f µs\n", $4*1e6}'
openssl speed -seconds 3 ed25519 2>/dev/null | grep -E '^ *253 bits EdDSA' | awk '{printf "  ed25519  sign %.1f µs\n", 1e6/$7}'
