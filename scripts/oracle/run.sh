#!/usr/bin/env bash
# Interoperability harness: prove `dkimctl` against DKIM implementations we did not write
# (Python dkimpy, Perl Mail::DKIM), with keys served by a private dnsmasq on 127.0.0.1.
#
# Usage: scripts/oracle/run.sh DKIMCTL_PATH
#
# Environment:
#   PYTHON=...        python3 with dkimpy, PyNaCl and dnspython (default: python3)
#   ORACLE_LOG=FILE   also write every PASS/FAIL/SKIP line to FILE
#   ORACLE_KEEP=1     keep the temporary work dir (keys, corpus, signed files) and print its path
#   ORACLE_DOMAIN=D  signing domain (default oracle.test).  NB: libunbound answers names under the
#                     RFC 6761 zones test., invalid., localhost. itself (NXDOMAIN) unless told not to,
#                     so a resolver built on it never asks dnsmasq about *.oracle.test
#   ORACLE_KEYSOURCE=file
#                     debugging aid: give `dkimctl verify`/`testkey` the key records with
#                     --public-key NAME=FILE instead of --nameserver (separates DNS problems from
#                     verification problems; the oracles still use dnsmasq)
#
# Prints one line per failed check, then exactly one summary line
#   oracle: N passed, M failed
# and exits 1 when M > 0 (2 on a usage or environment problem).
# Needs: dnsmasq, openssl, perl with Mail::DKIM and Net::DNS, python3 with dkimpy/nacl/dnspython.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DKIMCTL_PATH" >&2
    exit 2
fi
DKIMCTL=$1
if [ ! -x "$DKIMCTL" ]; then
    echo "error: $DKIMCTL is not an executable file" >&2
    exit 2
fi
DKIMCTL=$(cd "$(dirname "$DKIMCTL")" && pwd)/$(basename "$DKIMCTL")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the source tree
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
DOMAIN=${ORACLE_DOMAIN:-oracle.test}
export ORACLE_DOMAIN=$DOMAIN

# --- prerequisites ---------------------------------------------------------------------------
missing=()
[ -x "$DNSMASQ" ] || missing+=("dnsmasq (apt: dnsmasq-base)")
command -v openssl >/dev/null || missing+=("openssl")
command -v timeout >/dev/null || missing+=("timeout (coreutils)")
"$PY" -c 'import dkim, nacl.signing, dns.resolver' 2>/dev/null || missing+=("$PY modules dkim (dkimpy), nacl (PyNaCl), dns (dnspython)")
perl -MMail::DKIM::Verifier -MNet::DNS -e 1 2>/dev/null || missing+=("perl Mail::DKIM and Net::DNS (apt: libmail-dkim-perl)")
if [ "${#missing[@]}" -gt 0 ]; then
    printf 'error: missing prerequisite: %s\n' "${missing[@]}" >&2
    exit 2
fi

# --- work dir, cleanup -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dkim-oracle.XXXXXX")
DNSMASQ_PID=""
cleanup() {
    if [ -n "$DNSMASQ_PID" ] && kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        kill "$DNSMASQ_PID" 2>/dev/null || true
        wait "$DNSMASQ_PID" 2>/dev/null || true
    fi
    if [ "${ORACLE_KEEP:-0}" = 1 ]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOG=$WORK/oracle.log
: >"$LOG"
NPASS=0
NFAIL=0
NSKIP=0

# pass DESCRIPTION / fail DESCRIPTION / skip DESCRIPTION
pass() { NPASS=$((NPASS + 1)); echo "PASS $*" >>"$LOG"; }
fail() { NFAIL=$((NFAIL + 1)); echo "FAIL $*" | tee -a "$LOG"; }
skip() { NSKIP=$((NSKIP + 1)); echo "SKIP $*" >>"$LOG"; }
check() { # check CONDITION_RC DESCRIPTION...
    local rc=$1
    shift
    if [ "$rc" -eq 0 ]; then pass "$@"; else fail "$@"; fi
}

# ingest OUTPUT_FILE WHAT: count PASS/FAIL/SKIP lines a helper printed; it must end with COUNT.
ingest() {
    local file=$1 what=$2 line
    echo "TIME $((SECONDS - start_time))s after $what" >>"$LOG"
    while IFS= read -r line; do
        case $line in
        PASS\ *) pass "${line#PASS }" ;;
        FAIL\ *) fail "${line#FAIL }" ;;
        SKIP\ *) skip "${line#SKIP }" ;;
        esac
    done <"$file"
    if ! grep -qE '^COUNT( |$)' "$file"; then
        fail "$what: helper did not finish (see its stderr below)"
        sed 's/^/    /' "${file%.out}.err" 2>/dev/null | tail -n 20 || true
    fi
}

finish() {
    if [ -n "${ORACLE_LOG:-}" ]; then cp "$LOG" "$ORACLE_LOG"; fi
    if [ "$NSKIP" -gt 0 ]; then
        echo "skipped: $NSKIP check(s) where an oracle has a known non-RFC quirk (see ORACLE_LOG)"
    fi
    echo "oracle: $NPASS passed, $NFAIL failed"
    if [ "$NFAIL" -gt 0 ]; then exit 1; fi
    exit 0
}

# run_ctl OUT ERR ARGS... (stdin passed through): run dkimctl with a time limit, return its status
run_ctl() {
    local out=$1 err=$2
    shift 2
    local rc=0
    timeout 120 "$DKIMCTL" "$@" >"$out" 2>"$err" || rc=$?
    return "$rc"
}
first_err() { head -c 300 "$1" | tr '\n' ' '; }

KEYS=$WORK/keys
mkdir -p "$KEYS"
start_time=$SECONDS

# --- 1. genkey ---------------------------------------------------------------------------------
genkey_ok=1
for spec in "rsa1 rsa" "ed1 ed25519" "other rsa"; do
    set -- $spec
    sel=$1 alg=$2
    args=(genkey -d "$DOMAIN" -s "$sel" -D "$KEYS")
    [ "$alg" = ed25519 ] && args+=(-a ed25519)
    rc=0
    run_ctl "$WORK/genkey.$sel.out" "$WORK/genkey.$sel.err" "${args[@]}" </dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "genkey $sel: dkimctl ${args[*]} exited $rc: $(first_err "$WORK/genkey.$sel.err")"
        genkey_ok=0
        continue
    fi
    pass "genkey $sel: exit 0"
    "$PY" "$HERE/util.py" keycheck "$KEYS" "$sel" "$alg" >"$WORK/keycheck.$sel.out" 2>"$WORK/keycheck.$sel.err" || true
    echo "COUNT" >>"$WORK/keycheck.$sel.out"
    ingest "$WORK/keycheck.$sel.out" "keycheck $sel"
    grep -q "^FAIL genkey $sel: p= equals" "$WORK/keycheck.$sel.out" && genkey_ok=0
    [ -s "$KEYS/$sel.txt" ] || genkey_ok=0
done
if [ "$genkey_ok" -ne 1 ]; then
    fail "setup: keys unusable, remaining checks not run"
    finish
fi

# --- 2. dnsmasq on 127.0.0.1 ---------------------------------------------------------------------
TXT_ARGS=()
for pair in "rsa1 rsa1" "ed1 ed1" "swap other"; do
    set -- $pair
    if ! arg=$("$PY" "$HERE/util.py" dnsmasq-arg "$1._domainkey.$DOMAIN" "$KEYS/$2.txt" 2>"$WORK/txtarg.err"); then
        fail "setup: cannot turn $2.txt into a dnsmasq record: $(tail -n 1 "$WORK/txtarg.err")"
        finish
    fi
    TXT_ARGS+=("$arg")
done
PORT=""
for attempt in 1 2 3; do
    PORT=$("$PY" "$HERE/util.py" freeport)
    "$DNSMASQ" --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
        --listen-address=127.0.0.1 --port="$PORT" --local="/$DOMAIN/" \
        --conf-file=/dev/null --pid-file= --user="$(id -un)" \
        --log-queries --log-facility="$WORK/dnsmasq.log" "${TXT_ARGS[@]}" \
        >"$WORK/dnsmasq.out" 2>&1 &
    DNSMASQ_PID=$!
    if "$PY" "$HERE/util.py" waitdns "$PORT" "rsa1._domainkey.$DOMAIN" 10 &&
        kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        break
    fi
    kill "$DNSMASQ_PID" 2>/dev/null || true
    wait "$DNSMASQ_PID" 2>/dev/null || true
    DNSMASQ_PID=""
done
if [ -z "$DNSMASQ_PID" ]; then
    fail "setup: dnsmasq did not come up: $(first_err "$WORK/dnsmasq.out")"
    finish
fi
NS="127.0.0.1@$PORT"
KEYARGS=(--nameserver "$NS")
# Probe once, so that a DNS-path problem shows up as one clear hint rather than only as a
# thousand verify failures (not counted: the testkey checks below count it).
probe_rc=0
queries_before=$(grep -c 'query\[TXT\]' "$WORK/dnsmasq.log" || true)
run_ctl "$WORK/probe.out" "$WORK/probe.err" testkey -d "$DOMAIN" -s rsa1 -k "$KEYS/rsa1.private" \
    --nameserver "$NS" </dev/null || probe_rc=$?
sleep 0.2
queries_after=$(grep -c 'query\[TXT\]' "$WORK/dnsmasq.log" || true)
if [ "$probe_rc" -ne 0 ]; then
    if [ "$queries_after" = "$queries_before" ]; then
        asked="dnsmasq was never asked, so the answer was made up inside dkimctl's resolver (libunbound answers the RFC 6761 zones test., invalid., localhost. itself by default)"
    else
        asked="dnsmasq was asked and answered"
    fi
    echo "hint: dkimctl testkey --nameserver $NS failed for rsa1._domainkey.$DOMAIN" \
        "(exit $probe_rc: $(first_err "$WORK/probe.err")); $asked." \
        "ORACLE_DOMAIN=oracle.example or ORACLE_KEYSOURCE=file separate DNS from DKIM problems."
fi
if [ "${ORACLE_KEYSOURCE:-dns}" = file ]; then
    KEYARGS=()
    for pair in "rsa1 rsa1" "ed1 ed1" "swap other"; do
        set -- $pair
        "$PY" "$HERE/util.py" txtrecord "$KEYS/$2.txt" >"$KEYS/$1.record"
        KEYARGS+=("--public-key=$1._domainkey.$DOMAIN=$KEYS/$1.record")
    done
    echo "note: ORACLE_KEYSOURCE=file: dkimctl verify/testkey get keys via --public-key, not DNS"
fi
for pair in "rsa1 rsa1" "ed1 ed1" "swap other"; do
    set -- $pair
    "$PY" "$HERE/util.py" dnscheck "$PORT" "$1._domainkey.$DOMAIN" "$KEYS/$2.txt" \
        >"$WORK/dnscheck.$1.out" 2>"$WORK/dnscheck.$1.err" || true
    ingest "$WORK/dnscheck.$1.out" "dns check $1"
done

# --- 3. corpus -----------------------------------------------------------------------------------
CORPUS=$WORK/corpus
"$PY" "$HERE/corpus.py" "$CORPUS" >/dev/null
MSGS=("$CORPUS"/*.eml)

# --- 4. forward: dkimctl signs, dkimpy and Mail::DKIM verify ---------------------------------------
SIGNED=$WORK/signed
mkdir -p "$SIGNED"
: >"$WORK/sign.jobs"
for msg in "${MSGS[@]}"; do
    name=$(basename "$msg" .eml)
    for keyspec in "rsa1 rsa-sha256" "ed1 ed25519-sha256"; do
        set -- $keyspec
        for canon in simple/simple simple/relaxed relaxed/simple relaxed/relaxed; do
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$msg" "$name" "$1" "$2" "$canon" \
                "$KEYS/$1.private" "$SIGNED/$name.${canon/\//-}.$1.eml" >>"$WORK/sign.jobs"
        done
    done
done
"$PY" "$HERE/batch.py" sign "$DKIMCTL" "$WORK/sign.jobs" "$WORK/pyverify.list" "$WORK/perlverify.list" \
    >"$WORK/sign.out" 2>"$WORK/sign.err" || true
ingest "$WORK/sign.out" "dkimctl sign batch"
# oracle-format copies of our keys: PKCS#1 PEM for dkimpy/Mail::DKIM, base64 seed for dkimpy Ed25519
"$PY" "$HERE/util.py" rsa-traditional "$KEYS/rsa1.private" "$KEYS/rsa1.pkcs1.pem"
"$PY" "$HERE/util.py" ed25519-seed "$KEYS/ed1.private" "$KEYS/ed1.seed"
# the two oracles are independent: run them side by side
perl "$HERE/perlverify.pl" "$PORT" "$WORK/perlverify.list" "$KEYS/rsa1.pkcs1.pem" \
    >"$WORK/perlverify.out" 2>"$WORK/perlverify.err" &
perl_pid=$!
"$PY" "$HERE/pyverify.py" "$PORT" "$WORK/pyverify.list" >"$WORK/pyverify.out" 2>"$WORK/pyverify.err" || true
wait "$perl_pid" || true
ingest "$WORK/pyverify.out" "dkimpy verifier"
ingest "$WORK/perlverify.out" "Mail::DKIM verifier"

# --- 5. reverse: dkimpy and Mail::DKIM sign, dkimctl verifies ------------------------------------
perl "$HERE/perlsign.pl" "$PORT" "$CORPUS" "$WORK/perlsigned" "$KEYS/rsa1.pkcs1.pem" "$WORK/perlsign.list" \
    >"$WORK/perlsign.out" 2>"$WORK/perlsign.err" &
perl_pid=$!
"$PY" "$HERE/pysign.py" "$PORT" "$CORPUS" "$WORK/pysigned" "$KEYS" "$WORK/pysign.list" \
    >"$WORK/pysign.out" 2>"$WORK/pysign.err" || true
wait "$perl_pid" || true
ingest "$WORK/pysign.out" "dkimpy signer"
ingest "$WORK/perlsign.out" "Mail::DKIM signer"

# --- 6. dkimctl verify: oracle-signed, tampered, and unsigned messages --------------------------
cat "$WORK/pysign.list" "$WORK/perlsign.list" >"$WORK/verify.list" 2>/dev/null || true
for msg in "${MSGS[@]}"; do
    printf '%s\t%s\tunsigned\t-\t-\n' "$msg" "$(basename "$msg" .eml) unsigned - [dkimctl verify]" >>"$WORK/verify.list"
done
"$PY" "$HERE/batch.py" verify "$DKIMCTL" "$WORK/verify.list" "${KEYARGS[@]}" >"$WORK/verify.out" 2>"$WORK/verify.err" || true
ingest "$WORK/verify.out" "dkimctl verify batch"

# --- 7. testkey ----------------------------------------------------------------------------------
for spec in "rsa1 rsa1 0" "ed1 ed1 0" "swap rsa1 1" "swap other 0"; do
    set -- $spec
    sel=$1 key=$2 want=$3
    rc=0
    run_ctl "$WORK/testkey.out" "$WORK/testkey.err" testkey -d "$DOMAIN" -s "$sel" \
        -k "$KEYS/$key.private" "${KEYARGS[@]}" </dev/null || rc=$?
    if [ "$want" -eq 0 ]; then
        check "$rc" "testkey -s $sel -k $key.private [dkimctl testkey]: exit 0 expected, got $rc $(first_err "$WORK/testkey.err")"
    else
        check $((rc != 0 ? 0 : 1)) "testkey -s $sel -k $key.private (published key is other's) [dkimctl testkey]: non-zero exit expected, got $rc"
    fi
done

echo "elapsed: $((SECONDS - start_time))s" >>"$LOG"
finish
