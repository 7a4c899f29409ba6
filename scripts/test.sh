#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs `swift test`, then
#  - the interoperability tests: dkimctl against dkimpy and Perl Mail::DKIM, keys served by a real DNS server
#    (dnsmasq) on a loopback port (scripts/oracle/);
#  - the end-to-end test: a private Postfix instance on 127.0.0.1 delivers mail through `dkimctl serve` into a
#    Maildir, under milter protocol 2 and 6 (scripts/postfix/);
#  - fuzzing: five libFuzzer targets with address sanitizer, FUZZ_SECONDS each (scripts/fuzz/);
#  - the unit tests again under address and thread sanitizers (scripts/sanitizers.sh);
#  - a short soak: SOAK_MESSAGES through a release build, RSS and file descriptors checked (scripts/soak/).
# Every server it starts listens on loopback only and is stopped when the step ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== swift build"
swift build --build-tests --quiet

echo "== swift test"
swift test --skip-build

bin="$(swift build --show-bin-path)/dkimctl"
echo "== interoperability: dkimpy and Mail::DKIM"
scripts/oracle/run.sh "$bin"

echo "== end to end: a real Postfix through the milter"
scripts/postfix/run.sh "$bin"

echo "== fuzzing"
scripts/fuzz/run.sh "${FUZZ_SECONDS:-45}"

echo "== sanitizers"
scripts/sanitizers.sh

echo "== soak"
SOAK_SCRATCH=.build scripts/soak/run.sh "${SOAK_MESSAGES:-50000}"
