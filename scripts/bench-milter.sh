#!/usr/bin/env bash
# Milter benchmark: our milter and Debian's OpenDKIM side by side, same key, same tables, in one run, driven
# over TCP by milter-load. Prints msgs/s, latency p50/p99 and the server's CPU time per message (from /proc),
# the ratios, and `openssl speed rsa2048` from the same run. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if ! command -v opendkim >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opendkim >/dev/null
fi
swift build -c release --product dkimctl >/dev/null
swift build -c release --product milter-load >/dev/null
bin=.build/release

# OpenDKIM's RequireSafeKeys refuses keys below a world-writable directory such as /tmp (and then tempfails
# every message without a log line): keep everything in a private directory of the checkout.
work=$(pwd)/.build-bench
rm -rf "$work"; mkdir -p "$work/keys"; chmod 700 "$work" "$work/keys"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

$bin/dkimctl genkey -d example.com -s bench -D "$work/keys" >/dev/null
$bin/dkimctl genkey -d example.com -s ed -a ed25519 -D "$work/keys" >/dev/null
echo "bench._domainkey.example.com example.com:bench:$work/keys/bench.private" > "$work/KeyTable"
echo "ed._domainkey.example.com example.com:ed:$work/keys/ed.private" > "$work/KeyTable-ed"
echo "*@example.com bench._domainkey.example.com" > "$work/SigningTable"
echo "*@example.com ed._domainkey.example.com" > "$work/SigningTable-ed"
printf '127.0.0.1\nlocalhost\n' > "$work/TrustedHosts"
conf() { # $1 socket, $2 keytable, $3 signingtable
  cat <<CONF
Syslog no
Mode sv
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
KeyTable refile:$2
SigningTable refile:$3
InternalHosts refile:$work/TrustedHosts
Socket $1
CONF
}
conf inet:12391@127.0.0.1 "$work/KeyTable" "$work/SigningTable" > "$work/ours.conf"
conf inet:12393@127.0.0.1 "$work/KeyTable-ed" "$work/SigningTable-ed" > "$work/ours-ed.conf"
{ conf inet:12392@127.0.0.1 "$work/KeyTable" "$work/SigningTable"; echo "AutoRestart no"; echo "Background no"; echo "UserID root"; } > "$work/opendkim.conf"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }
$bin/dkimctl serve --config "$work/ours.conf" --log-level warning 2>"$work/ours.log" & ours=$!; pids+=($ours)
$bin/dkimctl serve --config "$work/ours-ed.conf" --log-level warning 2>"$work/ours-ed.log" & oursed=$!; pids+=($oursed)
opendkim -f -x "$work/opendkim.conf" 2>"$work/opendkim.log" & odkim=$!; pids+=($odkim)
wait_port 12391; wait_port 12392; wait_port 12393

run() { # label port pid args...
  local label=$1 port=$2 pid=$3; shift 3
  $bin/milter-load --label "$label" --port "$port" --server-pid "$pid" "$@" | tee -a "$work/results.txt"
}
: > "$work/results.txt"
echo "== 2 KB messages, 1 connection (latency), RSA-2048"
run ours 12391 $ours --connections 1 --messages 400 --body-bytes 2048
run opendkim 12392 $odkim --connections 1 --messages 100 --body-bytes 2048
echo "== 2 KB messages, 8 connections (throughput), RSA-2048"
run ours 12391 $ours --connections 8 --messages 200 --body-bytes 2048
run opendkim 12392 $odkim --connections 8 --messages 50 --body-bytes 2048
echo "== 2 KB messages, Ed25519 (ours)"
run ours-ed25519 12393 $oursed --connections 1 --messages 1000 --body-bytes 2048
echo "== 1 MB messages, 1 connection"
run ours 12391 $ours --connections 1 --messages 40 --body-bytes 1048576
run opendkim 12392 $odkim --connections 1 --messages 20 --body-bytes 1048576
echo "== protocol 2 (as the setup guide configures Postfix)"
run ours 12391 $ours --connections 1 --messages 200 --body-bytes 2048 --protocol 2
echo "== 256 connections × 2 messages of 1 MB (peak RSS)"
run ours-ed25519 12393 $oursed --connections 256 --messages 2 --body-bytes 1048576
echo
echo "openssl speed (same run):"
openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {printf "  rsa-2048 sign %.1f µs\n", $4*1e6}'
