#!/usr/bin/env bash
# Fuzzes the parsers with libFuzzer (Swift's -sanitize=fuzzer with AddressSanitizer and LeakSanitizer).
#
#   scripts/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 seconds, every target
#   scripts/fuzz/run.sh 3600                                 a longer run: one hour per target
#   scripts/fuzz/run.sh 600 FuzzMilterCodec                  one target
#
# Targets (Sources/Fuzz*/main.swift): FuzzMilterCodec (milter frames through the protocol state machine),
# FuzzTagList (tag lists, DKIM-Signature), FuzzKeyRecord (key records and OpenSSL's decoding of p=),
# FuzzConfig (opendkim.conf text, table and host-list files), FuzzCanonicalization (header canonicalization;
# body canonicalization must not depend on chunking).
#
# Builds every target once in .build-fuzz (debug, instrumented), then runs each for SECONDS on a working
# corpus .build-fuzz/corpus/TARGET seeded from scripts/fuzz/corpus/TARGET (inputs found earlier are kept
# there, so repeated runs go deeper). A crash, leak, timeout (> 10 s per input) or > 2 GB RSS fails the
# target; its input is saved under .build-fuzz/crashers/TARGET/. Reproduce one with
#   .build-fuzz/debug/TARGET .build-fuzz/crashers/TARGET/crash-...
# Seeds are written by scripts/fuzz/make-seeds.py. Last line: `fuzz: N passed, M failed`.
#
# The build flags: `--sanitize fuzzer` makes SwiftPM link libFuzzer's main instead of the executable's own
# (without it SwiftPM's testable-executable renaming fails the link); `-Xswiftc -sanitize=fuzzer,address`
# instruments the code itself for coverage and ASan. In a normal `swift build` the targets are executables
# whose main does nothing.
set -u
cd "$(dirname "$0")/../.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL_TARGETS=(FuzzMilterCodec FuzzTagList FuzzKeyRecord FuzzConfig FuzzCanonicalization)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
ROOT="$(pwd)"
SCRATCH="$ROOT/.build-fuzz"
BUILD_FLAGS=(--scratch-path "$SCRATCH" -c debug --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address)

passed=0
failed=0
build_start=$(date +%s)
mkdir -p "$SCRATCH"
for target in "${TARGETS[@]}"; do
    if ! swift build "${BUILD_FLAGS[@]}" --product "$target" >"$SCRATCH/build-$target.log" 2>&1; then
        grep -v "Cannot export local symbol" "$SCRATCH/build-$target.log" | tail -20
        echo "$target: build failed"
        failed=$((failed + 1))
    fi
    rm -f "$SCRATCH/build-$target.log"
done
echo "build: $(( $(date +%s) - build_start )) s"

bin="$(swift build "${BUILD_FLAGS[@]}" --show-bin-path 2>/dev/null)"
[ -z "$bin" ] && bin="$SCRATCH/debug"
for target in "${TARGETS[@]}"; do
    [ -x "$bin/$target" ] || continue
    corpus="$SCRATCH/corpus/$target"
    crashers="$SCRATCH/crashers/$target"
    logs="$SCRATCH/logs/$target"
    mkdir -p "$corpus" "$crashers" "$logs"
    cp -n scripts/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null
    extra=()
    # Body canonicalization works in 16 KiB blocks: let inputs cross a block boundary.
    [ "$target" = FuzzCanonicalization ] && extra+=(-max_len=40000)
    before=$(ls "$crashers" | wc -l)
    # -jobs=1 runs the fuzzer as one worker process whose output goes to fuzz-0.log in the working directory.
    (cd "$logs" && rm -f fuzz-0.log && "$bin/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -jobs=1 -print_final_stats=1 \
        -artifact_prefix="$crashers/" "${extra[@]}" "$corpus" >run.log 2>&1)
    status=$?
    log="$logs/fuzz-0.log"; [ -s "$log" ] || log="$logs/run.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ -z "$runs" ]; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    fi
    after=$(ls "$crashers" | wc -l)
    if [ "$status" -eq 0 ] && [ "$after" -eq "$before" ] && grep -q "^Done [0-9]* runs" "$log"; then
        echo "$target: passed, ${runs:-?} executions, ${rate:-?} exec/s, corpus $(ls "$corpus" | wc -l) inputs"
        passed=$((passed + 1))
    else
        echo "$target: FAILED (exit $status), ${runs:-?} executions, ${rate:-?} exec/s; inputs in $crashers/, log $log:"
        grep -E "^==[0-9]+==ERROR|SUMMARY|Fatal error|^ *#[0-9]+ 0x" "$log" | head -25
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
