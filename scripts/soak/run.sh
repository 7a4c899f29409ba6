#!/usr/bin/env bash
# Soak test: `dkimctl serve` (release build) on a generated configuration, driven by milter-load in rounds
# (4 connections each), watching the server's RSS (VmRSS) and open file descriptors.
#
#   scripts/soak/run.sh [MESSAGES]     # default 1,000,000; CI would use 50,000
#
# Environment: SOAK_PORT (12395), SOAK_ROUND (messages per round, default min(MESSAGES, 50,000)),
# SOAK_WARMUP (messages in the warm-up round, default min(MESSAGES/10, 20,000)), SOAK_BODY_BYTES (2048),
# SOAK_SCRATCH (release build directory, default .build-soak), SOAK_NO_BUILD=1 to use what is there,
# SOAK_BIG_BYTES (one message of this size streamed through at the end, default 2 GiB; 0 to skip).
#
# The baseline (RSS, fds) is taken after the warm-up round. The last line is
#   soak: N passed, M failed
# where N counts messages signed and M counts messages not signed, plus one for an RSS growth of 5 % or more
# over the baseline, plus one for an fd count above the baseline. Exit status 0 iff M is 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
total=${1:-1000000}
port=${SOAK_PORT:-12395}
body=${SOAK_BODY_BYTES:-2048}
round=${SOAK_ROUND:-$(( total < 50000 ? total : 50000 ))}
warmup=${SOAK_WARMUP:-$(( total / 10 < 20000 ? total / 10 : 20000 ))}
scratch=${SOAK_SCRATCH:-.build-soak}
connections=4
(( round >= connections )) || round=$connections
(( warmup >= connections )) || warmup=$connections

if [ -z "${SOAK_NO_BUILD:-}" ]; then
  echo "building (release) into $scratch"
  swift build -c release --scratch-path "$scratch" --product dkimctl >/dev/null
  swift build -c release --scratch-path "$scratch" --product milter-load >/dev/null
fi
bin=$scratch/release

# Keys must not sit below a world-writable directory (RequireSafeKeys): keep them in the checkout.
work=${SOAK_WORK:-$(pwd)/.build-soak/work}
rm -rf "$work"; mkdir -p "$work/keys"; chmod 700 "$work" "$work/keys"
"$bin/dkimctl" genkey -d example.com -s soak -D "$work/keys" >/dev/null
echo "soak._domainkey.example.com example.com:soak:$work/keys/soak.private" > "$work/KeyTable"
echo "*@example.com soak._domainkey.example.com" > "$work/SigningTable"
printf '127.0.0.1\nlocalhost\n' > "$work/TrustedHosts"
cat > "$work/opendkim.conf" <<CONF
Syslog no
Mode sv
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
KeyTable refile:$work/KeyTable
SigningTable refile:$work/SigningTable
InternalHosts refile:$work/TrustedHosts
Socket inet:$port@127.0.0.1
CONF

"$bin/dkimctl" serve --config "$work/opendkim.conf" --log-level warning 2>"$work/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }        # KiB
fds() { ls "/proc/$pid/fd" | wc -l; }
passed=0
failed=0
longest=0   # the longest single message round trip seen after warm-up, in ms (the longest pause)
# run_round MESSAGES: drives one round, adds to passed/failed.
run_round() {
  local per=$(( $1 / connections )) out signed
  out=$("$bin/milter-load" --port "$port" --connections $connections --messages $per \
          --body-bytes "$body" --server-pid "$pid" --label soak 2>&1) || true
  signed=$(sed -n 's/.*messages *[0-9]* (\([0-9]*\) signed).*/\1/p' <<<"$out" | head -1)
  signed=${signed:-0}
  passed=$(( passed + signed ))
  failed=$(( failed + per * connections - signed ))
  grep -E "msgs/s|latency|FAILED" <<<"$out" | sed 's/^ */  /' || true
  local max
  max=$(sed -n 's/.*max \([0-9.]*\) ms.*/\1/p' <<<"$out" | head -1)
  longest=$(awk -v a="$longest" -v b="${max:-0}" 'BEGIN { print (b > a ? b : a) }')
  sleep 0.5   # let the server close its ends of the round's connections
}

start_time=$(date +%s)
echo "warm-up: $warmup messages"
run_round "$warmup"
passed=0; failed=0; longest=0
rss0=$(rss); fd0=$(fds)
echo "start (after warm-up): RSS $rss0 KiB, $fd0 fds"
done_count=0
while (( done_count < total )); do
  n=$(( total - done_count < round ? total - done_count : round ))
  (( n >= connections )) || n=$connections
  run_round "$n"
  done_count=$(( done_count + n ))
  echo "after $done_count messages: RSS $(rss) KiB, $(fds) fds"
done
rss1=$(rss); fd1=$(fds)
# One very large message streamed through: the body is never held, so the server's peak RSS stays small.
big=${SOAK_BIG_BYTES:-2147483648}
if (( big > 0 )); then
  out=$("$bin/milter-load" --port "$port" --connections 1 --messages 1 --body-bytes "$big" --server-pid "$pid" --label big 2>&1) || true
  peak=$(sed -n 's/.*server peak RSS \([0-9.]*\) MB.*/\1/p' <<<"$out" | head -1)
  echo "one message of $big bytes: $(grep -oE '\(1 signed\)|\(0 signed\)' <<<"$out" | head -1), $(sed -n 's/.*messages *1 ([01] signed), \([0-9.]*\) s.*/\1/p' <<<"$out") s, server peak RSS ${peak:-?} MB"
  if ! grep -q '(1 signed)' <<<"$out"; then echo "FAIL: the $big-byte message was not signed"; failed=$(( failed + 1 )); fi
  if ! awk -v p="${peak:-1000}" 'BEGIN { exit !(p < 64) }'; then echo "FAIL: server peak RSS ${peak:-?} MB with a $big-byte message (limit 64 MB)"; failed=$(( failed + 1 )); fi
fi
end_time=$(date +%s)
growth=$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
echo "end: RSS $rss1 KiB, $fd1 fds; RSS growth $growth %, fd growth $(( fd1 - fd0 )); $(( end_time - start_time )) s in all"
echo "longest pause (slowest single message, MAIL to the end-of-message reply): $longest ms"
if awk -v g="$growth" 'BEGIN { exit !(g >= 5) }'; then echo "FAIL: RSS grew by $growth % (limit 5 %)"; failed=$(( failed + 1 )); fi
if (( fd1 > fd0 )); then echo "FAIL: open fds grew from $fd0 to $fd1"; failed=$(( failed + 1 )); fi
if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: the server died"; failed=$(( failed + 1 )); tail -5 "$work/serve.log"; fi
echo "soak: $passed passed, $failed failed"
(( failed == 0 ))
