#!/usr/bin/env bash
# Builds and runs the unit tests under AddressSanitizer (.build-asan) and ThreadSanitizer (.build-tsan).
# Not part of CI or `make test`; prints each phase's duration and exits 1 if any phase failed.
#
#   scripts/sanitizers.sh            # both
#   scripts/sanitizers.sh address    # one of them
#
# Skipped suites, and why:
#   DKIMCtlTests, ServeLifecycleTests, ReloadTests: they spawn `dkimctl` (and signals, pid files) as a
#     subprocess. The child is a separately linked executable whose sanitizer reports go to its own stderr,
#     which those tests capture and compare, and its exit status changes when the runtime reports; they
#     are exercised uninstrumented by `make test`.
#   MilterSigningTests/testSignsUnderProtocol2And6WithSimpleAndRelaxed: runs python3/dkimpy as an oracle
#     (a subprocess, slow under the sanitizer, adds nothing to what the sanitizer checks).
# Set SANITIZER_SKIP to override the list (a space-separated list of --skip regular expressions).
set -uo pipefail
cd "$(dirname "$0")/.."
skips=${SANITIZER_SKIP:-"DKIMCtlTests ServeLifecycleTests ReloadTests testSignsUnderProtocol2And6WithSimpleAndRelaxed"}
skip_args=()
for s in $skips; do skip_args+=(--skip "$s"); done
kinds=("${@:-address thread}")
# shellcheck disable=SC2206
kinds=(${kinds[*]})
status=0
summary=()
for kind in "${kinds[@]}"; do
  case $kind in address) dir=.build-asan ;; thread) dir=.build-tsan ;; *) echo "unknown sanitizer $kind" >&2; exit 2 ;; esac
  mkdir -p "$dir"
  log="$dir/sanitizer-tests.log"
  start=$(date +%s)
  echo "== $kind: building into $dir"
  if ! swift build --build-tests --sanitize="$kind" --scratch-path "$dir" >"$log.build" 2>&1; then
    tail -30 "$log.build"; status=1; summary+=("$kind: build FAILED"); continue
  fi
  built=$(date +%s)
  echo "== $kind: testing (log: $log)"
  # halt_on_error=0 / TSan's default: keep running after a report so one run lists them all.
  # A small ASan quarantine: the default 256 MB of freed-but-held memory shows up as RSS growth in the tests
  # that bound memory (100,000 header fields).
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=0:quarantine_size_mb=16} TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1} \
    swift test --skip-build --sanitize="$kind" --scratch-path "$dir" "${skip_args[@]}" >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  reports=$(grep -cE "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer)" "$log")
  failed=$(grep -E "Executed [0-9]+ tests" "$log" | tail -1)
  echo "   build $((built - start)) s, tests $((end - built)) s, exit $rc, sanitizer report lines: $reports"
  echo "   $failed"
  if [ "$reports" -gt 0 ]; then
    echo "   reports in suites:"
    # The test case that was running when each report was printed.
    awk '/^Test Case .* started/ {tc=$3} /(ERROR: AddressSanitizer|WARNING: ThreadSanitizer)/ {print "     " tc}' "$log" | sort | uniq -c
  fi
  [ $rc -eq 0 ] && [ "$reports" -eq 0 ] || status=1
  summary+=("$kind: exit $rc, $reports report line(s), build $((built - start)) s, tests $((end - built)) s")
done
echo
printf '%s\n' "${summary[@]}"
exit $status
