#!/usr/bin/env bash
# End-to-end test with a REAL Postfix: mail goes through a private Postfix instance on 127.0.0.1, through the
# DKIM milter, into a Maildir; the delivered messages are judged by dkimpy and Perl Mail::DKIM, with the key
# records served by a private dnsmasq on 127.0.0.1.
#
# Usage:
#   scripts/postfix/run.sh [--dkimctl] DKIMCTL_PATH      the milter is `DKIMCTL serve --config opendkim.conf`
#   scripts/postfix/run.sh --opendkim [DKIMCTL_PATH]     the milter is Debian's OpenDKIM (a stand-in that proves
#                                                        the plumbing); keys come from DKIMCTL genkey when a
#                                                        path is given, else from opendkim-genkey/openssl
# Options:
#   --trace    put a logging proxy between Postfix and the milter and print, per protocol version and path,
#              every milter packet of one message (OPTNEG, macros, headers, replies) at the end
#   --keep     keep the temporary directory (also: PF_KEEP=1) and print its path
# Environment:
#   PF_TMPDIR           where the temporary directory goes (default /run; must not be world-writable)
#   PF_COMBOS           which runs to do (default "simple/simple:2 simple/simple:6 relaxed/relaxed:2
#                       relaxed/relaxed:6"; CANON:PROTOCOL words)
#   PF_OUTSIDE_DOMAIN   domain of the mail "signed elsewhere" (default outside.test)
#   PF_SMTP_PORT        smtpd port (default 2525, or a free port when 2525 is taken)
#   DKIMCTL_SERVE_ARGS  extra arguments for `dkimctl serve` (word-split)
#   PYTHON              python3 with dkimpy, PyNaCl, dnspython (default python3)
#
# Scenarios, for each of Canonicalization simple/simple and relaxed/relaxed (milter restarted) and each of
# milter_protocol 2 and 6 (postconf -e + postfix reload):
#   a  SMTP from 127.0.0.1 (InternalHosts), From example.com, 200 KB 8-bit body, folded headers: exactly one
#      DKIM-Signature, d=example.com, verified by dkimpy and Mail::DKIM
#   b  the same through Postfix's sendmail (non_smtpd_milters)
#   c  From nokey.test (no SigningTable entry): delivered unsigned
#   f  From ed.example.com, whose KeyTable key is Ed25519: one ed25519-sha256 signature (dkimctl only)
#   d  from 127.0.0.2 (not internal), signed by dkimpy for the outside domain (rsa-sha256 and ed25519-sha256):
#      Authentication-Results: mx.test.example; dkim=pass; header- and body-tampered copies: dkim=fail
# then once (relaxed/relaxed, milter_protocol 6), g: while a background sender streams 60 messages (one SMTP
#      session each, From example.com; a 4xx or lost connection retried once after 1 s), the milter is killed
#      with kill -9 after ~20 are accepted, then restarted exactly as before: every message accepted is
#      delivered (the ones sent during the outage unsigned), no permanent failure, every signature verifies;
#      10 more sent after the restart are all signed and verify (dkimpy)
# then once, e: milter stopped, milter_default_action = accept: delivered unsigned.
# The milter runs as in the setup guide, UserID opendkim:opendkim with the keys given to that user; for
# dkimctl, every thread is checked to run as opendkim once it listens.
#
# The generated opendkim.conf differs between the two milters only in how the DNS server is named:
#   dkimctl:  Nameservers 127.0.0.1@PORT     (the @PORT suffix is OUR extension; OpenDKIM takes addresses only)
#   opendkim: ResolverConfiguration FILE     (an unbound config forwarding everything to 127.0.0.1@PORT)
#
# Output: one "ok - ..." / "not ok - ..." line per check (details after a failing one), then exactly one line
#   postfix: N passed, M failed
# Exit status 1 when M > 0, 2 on a usage error.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
MODE=dkimctl
TRACE=0
KEEP=${PF_KEEP:-0}
DKIMCTL=""

usage() { sed -n '2,46p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --opendkim) MODE=opendkim ;;
    --dkimctl) MODE=dkimctl ;;
    --trace) TRACE=1 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    *) DKIMCTL=$1 ;;
    esac
    shift
done
if [ -n "$DKIMCTL" ]; then
    if [ ! -x "$DKIMCTL" ]; then echo "error: $DKIMCTL is not executable" >&2; exit 2; fi
    DKIMCTL=$(cd "$(dirname "$DKIMCTL")" && pwd)/$(basename "$DKIMCTL")
elif [ "$MODE" = dkimctl ]; then
    echo "error: DKIMCTL_PATH is required (or use --opendkim)" >&2
    usage >&2
    exit 2
fi

NPASS=0
NFAIL=0
NSKIP=0
skip() { NSKIP=$((NSKIP + 1)); echo "# skip - $*"; }
ok() { NPASS=$((NPASS + 1)); echo "ok - $*"; }
notok() { NFAIL=$((NFAIL + 1)); echo "not ok - $*"; }
finish() {
    [ "$NSKIP" -gt 0 ] && echo "# $NSKIP scenario(s) skipped (see '# skip' lines)"
    echo "postfix: $NPASS passed, $NFAIL failed"
    if [ "$NFAIL" -gt 0 ]; then exit 1; fi
    exit 0
}
indent() { sed 's/^/    # /'; }

# ---------------------------------------------------------------------------------------- install Postfix
install_postfix() {
    if dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'install ok installed'; then
        return 0
    fi
    echo "# installing postfix (Debian package, no configuration)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/tmp/pf-apt.log 2>&1; then
        apt-get update -q >>/tmp/pf-apt.log 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >>/tmp/pf-apt.log 2>&1 || {
            tail -n 20 /tmp/pf-apt.log >&2
            echo "error: apt-get install postfix failed" >&2
            exit 2
        }
    fi
    # The package must not leave the system instance running (policy-rc.d normally forbids starting it).
    if [ -f /var/spool/postfix/pid/master.pid ]; then
        local mpid
        mpid=$(tr -dc 0-9 </var/spool/postfix/pid/master.pid)
        if [ -n "$mpid" ] && kill -0 "$mpid" 2>/dev/null; then
            echo "# stopping the system Postfix instance the package started"
            postfix stop >/dev/null 2>&1 || kill "$mpid" 2>/dev/null || true
        fi
    fi
}
install_postfix
# nothing (the system instance in particular) may listen on the SMTP port
if "$PY" "$HERE/pf.py" waitport 25 0.2; then
    echo "error: something listens on 127.0.0.1:25 (a system MTA?); this test only runs a private Postfix" >&2
    exit 2
fi
for need in postfix postconf postmap sendmail dnsmasq openssl timeout; do
    command -v "$need" >/dev/null 2>&1 || [ -x "/usr/sbin/$need" ] || { echo "error: $need not found" >&2; exit 2; }
done
export PATH=$PATH:/usr/sbin:/sbin
id postfix >/dev/null 2>&1 || { echo "error: user postfix missing after install" >&2; exit 2; }
getent group postdrop >/dev/null || { echo "error: group postdrop missing after install" >&2; exit 2; }
"$PY" -c 'import dkim, nacl.signing, dns.resolver' 2>/dev/null || { echo "error: $PY lacks dkimpy/PyNaCl/dnspython" >&2; exit 2; }
perl -MMail::DKIM::Verifier -MNet::DNS -e 1 2>/dev/null || { echo "error: perl Mail::DKIM/Net::DNS missing" >&2; exit 2; }
if [ "$MODE" = opendkim ]; then
    command -v opendkim >/dev/null || { echo "error: opendkim not installed" >&2; exit 2; }
fi

# ---------------------------------------------------------------------------------------- temp dir, cleanup
# Not under /tmp: OpenDKIM's RequireSafeKeys refuses keys below any directory others can write (it does not
# excuse the sticky bit), and an OpenDKIM-compatible milter may do the same. /run is root's and 0755.
TMPBASE=${PF_TMPDIR:-/run}
TMP=$(mktemp -d "$TMPBASE/pf-e2e.XXXXXX")
chmod 0755 "$TMP" # Postfix's daemons (user postfix) and virtual(8) (user nobody) must traverse it
CONF=$TMP/conf
QUEUE=$TMP/queue
MAILBASE=$TMP/mail
MAILDIR=$MAILBASE/example.net/jane
KEYS=$TMP/keys
MDIR=$TMP/milter
MSGS=$TMP/msgs
PFLOG=$TMP/postfix.log
MLOG=$TMP/milter.log
TRACELOG=$TMP/milter-trace.log
mkdir -p "$CONF" "$QUEUE" "$TMP/data" "$MAILBASE" "$KEYS" "$MDIR" "$MSGS"
chmod 0700 "$KEYS"
: >"$MLOG"

PF_STARTED=0
DNSMASQ_PID=""
MILTER_PID=""
PROXY_PID=""
SYSLOG_PID=""
STREAM_PID=""
cleanup() {
    set +e
    if [ "$PF_STARTED" = 1 ]; then
        local mpid=""
        [ -f "$QUEUE/pid/master.pid" ] && mpid=$(tr -dc 0-9 <"$QUEUE/pid/master.pid")
        postfix -c "$CONF" stop >/dev/null 2>&1
        if [ -n "$mpid" ]; then
            for _ in $(seq 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$mpid" 2>/dev/null; then
                postfix -c "$CONF" abort >/dev/null 2>&1
                sleep 0.5
                kill -9 "$mpid" 2>/dev/null
            fi
        fi
    fi
    for pid in $STREAM_PID $MILTER_PID $PROXY_PID $SYSLOG_PID $DNSMASQ_PID; do
        kill "$pid" 2>/dev/null
    done
    for pid in $STREAM_PID $MILTER_PID $PROXY_PID $SYSLOG_PID $DNSMASQ_PID; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$KEEP" = 1 ]; then
        echo "# kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
START=$SECONDS
if [ -n "$DKIMCTL" ]; then
    # run a private copy: the lead may rebuild the binary while this runs
    cp "$DKIMCTL" "$TMP/dkimctl"
    DKIMCTL=$TMP/dkimctl
fi

freeport() { "$PY" "$HERE/pf.py" freeport; }
port_in_use() { "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}
tail_logs() {
    echo "    # --- postfix log (tail):"
    tail -n "${1:-15}" "$PFLOG" 2>/dev/null | indent
    echo "    # --- milter log (tail):"
    tail -n "${1:-15}" "$MLOG" 2>/dev/null | indent
}

# ---------------------------------------------------------------------------------------- keys
genkey() { # genkey SELECTOR DOMAIN rsa|ed25519
    local sel=$1 dom=$2 alg=$3
    if [ -n "$DKIMCTL" ]; then
        local args=(genkey -d "$dom" -s "$sel" -D "$KEYS")
        [ "$alg" = ed25519 ] && args+=(-a ed25519)
        "$DKIMCTL" "${args[@]}" >"$TMP/genkey.$sel.out" 2>&1 || {
            notok "setup: dkimctl ${args[*]} failed: $(head -c 300 "$TMP/genkey.$sel.out")"
            finish
        }
    elif [ "$alg" = rsa ]; then
        opendkim-genkey -b 2048 -d "$dom" -s "$sel" -D "$KEYS"
    else
        "$PY" "$HERE/pf.py" ed25519-key "$KEYS/$sel.private" "$KEYS/$sel.txt" "$sel" "$dom"
    fi
    [ -s "$KEYS/$sel.private" ] && [ -s "$KEYS/$sel.txt" ] || { notok "setup: key $sel not written"; finish; }
}
genkey mail example.com rsa
genkey ed example.com ed25519
# The setup guide runs the milter as opendkim:opendkim (UserID) and gives it the keys (chown opendkim:opendkim).
# The daemon starts as root, binds, loads the keys, then switches; the run directory is its own so that the
# PidFile can be removed at exit.
if ! getent passwd opendkim >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin opendkim
fi
chown -R opendkim:opendkim "$KEYS" "$MDIR"
# The signed-elsewhere domain. Default outside.test as specified; note that libunbound (OpenDKIM's and
# dkimctl's resolver) answers NXDOMAIN for every name under test. itself (RFC 6761 default local zone) unless
# told "local-zone: test. nodefault" - set PF_OUTSIDE_DOMAIN=outside.example to test verification without that.
OUT=${PF_OUTSIDE_DOMAIN:-outside.test}
# keys of the outside world (signed by dkimpy, never by the milter): independent of dkimctl
"$PY" "$HERE/pf.py" rsa-key "$KEYS/out.private" "$KEYS/out.txt" out $OUT
"$PY" "$HERE/pf.py" ed25519-key "$KEYS/outed.private" "$KEYS/outed.txt" outed $OUT

# ---------------------------------------------------------------------------------------- DNS (dnsmasq)
TXT_ARGS=(
    "$("$PY" "$HERE/pf.py" dnsmasq-arg mail._domainkey.example.com "$KEYS/mail.txt")"
    "$("$PY" "$HERE/pf.py" dnsmasq-arg ed._domainkey.example.com "$KEYS/ed.txt")"
    "$("$PY" "$HERE/pf.py" dnsmasq-arg out._domainkey.$OUT "$KEYS/out.txt")"
    "$("$PY" "$HERE/pf.py" dnsmasq-arg outed._domainkey.$OUT "$KEYS/outed.txt")"
)
DNSPORT=""
for _ in 1 2 3; do
    DNSPORT=$(freeport)
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
        --port="$DNSPORT" --local=/example.com/ --local=/$OUT/ --local=/nokey.test/ \
        --conf-file=/dev/null --pid-file= --user=root --log-queries --log-facility="$TMP/dnsmasq.log" "${TXT_ARGS[@]}" \
        >"$TMP/dnsmasq.out" 2>&1 &
    DNSMASQ_PID=$!
    if "$PY" "$HERE/pf.py" waitdns "$DNSPORT" mail._domainkey.example.com 10 && kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        break
    fi
    kill "$DNSMASQ_PID" 2>/dev/null || true
    wait "$DNSMASQ_PID" 2>/dev/null || true
    DNSMASQ_PID=""
done
if [ -z "$DNSMASQ_PID" ]; then
    notok "setup: dnsmasq did not start: $(head -c 300 "$TMP/dnsmasq.out")"
    finish
fi
for pair in mail._domainkey.example.com:mail ed._domainkey.example.com:ed out._domainkey.$OUT:out \
    outed._domainkey.$OUT:outed; do
    name=${pair%%:*}
    want=$("$PY" "$HERE/pf.py" txtrecord "$KEYS/${pair##*:}.txt")
    got=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import pf; r = pf.dns_txt(int(sys.argv[2]), sys.argv[3]); print(r.decode() if r else "")' \
        "$HERE" "$DNSPORT" "$name" 2>&1 || true)
    if [ "$got" = "$want" ]; then ok "dns: $name served by dnsmasq (${#want} bytes)"; else
        notok "dns: $name: got '$got', want '$want'"
    fi
done

if [ "$MODE" = dkimctl ]; then
    # the same lookup through dkimctl's own resolver (libunbound, forwarding like `Nameservers`): separates a
    # DNS problem from a milter problem when the verification scenarios (d) fail
    if "$DKIMCTL" testkey -d "$OUT" -s out -k "$KEYS/out.private" --nameserver "127.0.0.1@$DNSPORT" \
        >"$TMP/testkey.out" 2>&1; then
        ok "dns: dkimctl testkey finds out._domainkey.$OUT through 127.0.0.1@$DNSPORT"
    else
        notok "dns: dkimctl testkey -d $OUT -s out --nameserver 127.0.0.1@$DNSPORT: $(head -c 300 "$TMP/testkey.out")"
    fi
fi

# ---------------------------------------------------------------------------------------- milter config
MPORT=$(freeport)                 # the milter listens here
PFMPORT=$MPORT                    # Postfix talks to this port (the trace proxy's when --trace)
[ "$TRACE" = 1 ] && PFMPORT=$(freeport)

cat >"$MDIR/TrustedHosts" <<'EOF'
127.0.0.1
localhost
192.168.0.1/24

*.example.com
EOF
cat >"$MDIR/KeyTable" <<EOF
mail._domainkey.example.com example.com:mail:$KEYS/mail.private
ed._domainkey.example.com example.com:ed:$KEYS/ed.private
EOF
cat >"$MDIR/SigningTable" <<EOF
*@example.com mail._domainkey.example.com
*@ed.example.com ed._domainkey.example.com
EOF
cat >"$MDIR/unbound.conf" <<EOF
server:
    do-not-query-localhost: no
    local-zone: "test." nodefault
    module-config: "iterator"
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$DNSPORT
EOF

write_milter_conf() { # write_milter_conf CANONICALIZATION
    {
        echo "# generated by scripts/postfix/run.sh ($MODE); OpenDKIM syntax, in the setup guide's style"
        if [ "$MODE" = opendkim ] && [ "$OPENDKIM_NS" = 1 ]; then
            echo "Syslog                  yes"
            echo "SyslogSuccess           yes"
        else
            echo "Syslog                  no"
        fi
        echo "UMask                   002"
        echo "UserID                  opendkim:opendkim"
        echo "Background              no"
        echo "AutoRestart             no"
        echo "Mode                    sv"
        echo "Socket                  inet:$MPORT@localhost"
        echo "Canonicalization        $1"
        echo "SignatureAlgorithm      rsa-sha256"
        echo "KeyTable                refile:$MDIR/KeyTable"
        echo "SigningTable            refile:$MDIR/SigningTable"
        echo "ExternalIgnoreList      refile:$MDIR/TrustedHosts"
        echo "InternalHosts           refile:$MDIR/TrustedHosts"
        echo "AuthservID              mx.test.example"
        echo "LogWhy                  yes"
        echo "PidFile                 $MDIR/milter.pid"
        if [ "$MODE" = opendkim ]; then
            echo "ResolverConfiguration   $MDIR/unbound.conf"
        else
            echo "Nameservers             127.0.0.1@$DNSPORT"
        fi
    } >"$MDIR/opendkim.conf"
}

start_milter() { # start_milter CANONICALIZATION [LABEL_PREFIX]
    write_milter_conf "$1"
    echo "=== $(date +%T) starting $MODE milter, Canonicalization $1" >>"$MLOG"
    if [ "$MODE" = opendkim ] && [ "$OPENDKIM_NS" = 1 ]; then
        # OpenDKIM logs only through syslog(3) and there is no /dev/log here: run it in a private mount
        # namespace whose /dev is a tmpfs with null/zero/random/urandom and a /dev/log pointing at our receiver.
        unshare -m sh -c 'mount -t tmpfs -o mode=755 tmpfs /dev &&
            mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
            mknod -m 666 /dev/random c 1 8 && mknod -m 666 /dev/urandom c 1 9 &&
            ln -s "$1" /dev/log && shift && exec "$@"' sh "$MDIR/log.sock" \
            opendkim -f -x "$MDIR/opendkim.conf" -p "inet:$MPORT@127.0.0.1" >>"$MLOG" 2>&1 &
    elif [ "$MODE" = opendkim ]; then
        opendkim -f -x "$MDIR/opendkim.conf" -p "inet:$MPORT@127.0.0.1" >>"$MLOG" 2>&1 &
    else
        # shellcheck disable=SC2086
        "$DKIMCTL" serve --config "$MDIR/opendkim.conf" ${DKIMCTL_SERVE_ARGS:-} >>"$MLOG" 2>&1 &
    fi
    MILTER_PID=$!
    if "$PY" "$HERE/pf.py" waitport "$MPORT" 20 && kill -0 "$MILTER_PID" 2>/dev/null; then
        ok "${2:-}milter ($MODE, Canonicalization $1) listens on 127.0.0.1:$MPORT"
        if [ "$MODE" = dkimctl ]; then
            # Every thread, the main one included (ps shows the thread-group leader).
            # The switch follows the bind by a moment: wait for it.
            local users=""
            for _ in $(seq 50); do
                users=$(ps -L -o user= -p "$MILTER_PID" | sort -u | tr '\n' ' ')
                [ "$users" = "opendkim " ] && break
                sleep 0.1
            done
            if [ "$users" = "opendkim " ]; then
                ok "${2:-}milter runs as UserID opendkim (every thread)"
            else
                notok "${2:-}milter threads run as: $users(expected only opendkim)"
            fi
        fi
        return 0
    fi
    notok "${2:-}milter ($MODE, Canonicalization $1) did not start listening on 127.0.0.1:$MPORT"
    tail -n 20 "$MLOG" | indent
    stop_milter
    return 1
}
stop_milter() {
    [ -n "$MILTER_PID" ] || return 0
    kill "$MILTER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$MILTER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$MILTER_PID" 2>/dev/null; then
        echo "=== milter did not stop on SIGTERM within 5s; SIGKILL" >>"$MLOG"
        kill -9 "$MILTER_PID" 2>/dev/null || true
    fi
    wait "$MILTER_PID" 2>/dev/null || true
    echo "=== $(date +%T) milter stopped" >>"$MLOG"
    MILTER_PID=""
}

if [ "$MODE" = dkimctl ]; then
    if ! "$DKIMCTL" serve --help 2>&1 | grep -q 'dkimctl serve'; then
        notok "setup: $DKIMCTL has no 'serve' subcommand yet ('dkimctl serve --help' does not describe it)"
        finish
    fi
fi
OPENDKIM_NS=0
if [ "$MODE" = opendkim ]; then
    if unshare -m sh -c 'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3' 2>/dev/null; then
        OPENDKIM_NS=1
        "$PY" "$HERE/pf.py" syslogd "$MDIR/log.sock" "$MLOG" >"$TMP/syslogd.out" 2>&1 &
        SYSLOG_PID=$!
        for _ in $(seq 50); do [ -S "$MDIR/log.sock" ] && break; sleep 0.1; done
    else
        echo "# note: no mount namespaces here, so OpenDKIM runs without a syslog and logs nothing"
    fi
fi
if [ "$TRACE" = 1 ]; then
    "$PY" "$HERE/pf.py" milterproxy "$PFMPORT" "$MPORT" "$TRACELOG" >"$TMP/proxy.out" 2>&1 &
    PROXY_PID=$!
    "$PY" "$HERE/pf.py" waitport "$PFMPORT" 10 || { notok "setup: trace proxy did not start"; finish; }
fi

# ---------------------------------------------------------------------------------------- Postfix instance
SMTPPORT=${PF_SMTP_PORT:-2525}
if port_in_use "$SMTPPORT"; then
    [ -n "${PF_SMTP_PORT:-}" ] && { notok "setup: port $SMTPPORT is taken"; finish; }
    SMTPPORT=$(freeport)
fi
VUID=$(id -u nobody)
VGID=$(id -g nobody)
chown "$VUID:$VGID" "$MAILBASE"
chown postfix "$TMP/data"

# master.cf: Debian's, with every service unchrooted and smtpd on 127.0.0.1:SMTPPORT only
awk -v port="$SMTPPORT" '
    /^[ \t#]/ || NF < 8 { print; next }
    $1 == "smtp" && $2 == "inet" { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
    { $5 = "n"; print }
' /etc/postfix/master.cf >"$CONF/master.cf"
grep -q '^postlog[[:space:]]' "$CONF/master.cf" || echo "postlog unix-dgram n - n - 1 postlogd" >>"$CONF/master.cf"

cat >"$CONF/main.cf" <<EOF
# private test instance written by scripts/postfix/run.sh
compatibility_level = 3.6
queue_directory = $QUEUE
data_directory = $TMP/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:local delivery is disabled
default_transport = error:outbound mail is disabled
virtual_mailbox_domains = example.net
virtual_mailbox_base = $MAILBASE
virtual_mailbox_maps = hash:$CONF/vmailbox
virtual_uid_maps = static:$VUID
virtual_gid_maps = static:$VGID
maillog_file = $PFLOG
maillog_file_prefixes = $TMP
smtputf8_enable = no
smtpd_sasl_auth_enable = no
smtpd_tls_security_level = none
biff = no
milter_protocol = 6
milter_default_action = accept
smtpd_milters = inet:127.0.0.1:$PFMPORT
non_smtpd_milters = inet:127.0.0.1:$PFMPORT
milter_connect_timeout = 10s
EOF
echo "jane@example.net example.net/jane/" >"$CONF/vmailbox"
postmap -c "$CONF" "hash:$CONF/vmailbox"

if ! postfix -c "$CONF" check >"$TMP/check.out" 2>&1; then
    notok "setup: postfix -c $CONF check"
    indent <"$TMP/check.out"
    finish
fi
ok "postfix check (private config in $CONF)"
PF_STARTED=1
if ! postfix -c "$CONF" start >"$TMP/start.out" 2>&1 || ! "$PY" "$HERE/pf.py" waitport "$SMTPPORT" 15; then
    notok "setup: postfix -c $CONF start (smtpd on 127.0.0.1:$SMTPPORT)"
    indent <"$TMP/start.out"
    tail_logs
    finish
fi
ok "postfix $(postconf -c "$CONF" -h mail_version) started, smtpd on 127.0.0.1:$SMTPPORT"

# ---------------------------------------------------------------------------------------- scenarios
N=0
newtoken() { N=$((N + 1)); TOKEN="t$N-$RANDOM$RANDOM"; }

# deliver_check LABEL TOKEN EXPECT...: wait for the delivered file, then judge it
deliver_check() {
    local label=$1 token=$2
    shift 2
    local file
    if ! file=$("$PY" "$HERE/pf.py" waitmail "$MAILDIR" "$token" 30 "$PFLOG" 2>"$TMP/wait.err"); then
        notok "$label: not delivered: $(tr '\n' ' ' <"$TMP/wait.err") (X-Test-Id $token)"
        tail_logs 20
        return 0
    fi
    local out rc=0
    out=$("$PY" "$HERE/pf.py" check "$file" "$DNSPORT" "label=$label" "$@" 2>&1) || rc=$?
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) notok "${line#not ok - }" ;;
        *) echo "    # $line" ;;
        esac
    done <<<"$out"
    if [ "$rc" -ne 0 ]; then
        echo "    # --- delivered header ($file):"
        sed -n '1,/^$/p' "$file" | head -n 60 | indent
        tail_logs
    fi
}

# smtp_send LABEL FROM FILE [SOURCE_IP]; returns 1 (after reporting) when the submission failed
smtp_send() {
    local label=$1 from=$2 file=$3 src=${4:-}
    if ! "$PY" "$HERE/pf.py" send "$SMTPPORT" "$from" jane@example.net "$file" $src >"$TMP/send.out" 2>&1; then
        notok "$label: SMTP submission failed: $(tail -n 3 "$TMP/send.out" | tr '\n' ' ')"
        tail_logs
        return 1
    fi
}

set_protocol() {
    postconf -c "$CONF" -e "milter_protocol = $1"
    postfix -c "$CONF" reload >/dev/null 2>&1
    sleep 1 # old smtpd/cleanup processes exit "at their earliest convenience"
}

run_combo() { # run_combo CANON PROTO
    local canon=$1 proto=$2 tag="[$1 milter_protocol=$2]" extras=() m
    [ "${canon%%/*}" = relaxed ] && extras=(--relaxed-extras)
    if [ "$MODE" = opendkim ] && [ "$proto" = 2 ] && [ "${canon%%/*}" = simple ]; then
        # OpenDKIM 2.11 without HDR_LEADSPC drops ALL whitespace after the colon and puts back one space, so it
        # cannot verify a simple-canonicalized signature over "X-Spaces:   three"; dkimctl must.
        extras=(--plain-spacing)
        skip "$tag X-Spaces header (3 spaces after the colon) left out: OpenDKIM 2.11 collapses it under protocol 2"
    fi

    # a. SMTP from 127.0.0.1 (internal), From example.com -> signed by mail._domainkey.example.com
    newtoken
    m=$MSGS/$TOKEN.eml
    "$PY" "$HERE/pf.py" mkmsg big "$TOKEN" john@example.com "$m" --eol crlf "${extras[@]}"
    smtp_send "a $tag smtp signed" john@example.com "$m" &&
        deliver_check "a $tag smtp from 127.0.0.1, From example.com, 200 KB" "$TOKEN" \
            sig=1 d=example.com a=rsa-sha256 "c=$canon" dkimpy perl

    # b. the same through Postfix's sendmail (non_smtpd_milters). Recipient given explicitly rather than with
    #    -t, so the Cc: addresses of the test message do not become (bouncing) recipients; -i because the body
    #    has a line holding a single dot.
    newtoken
    m=$MSGS/$TOKEN.eml
    "$PY" "$HERE/pf.py" mkmsg big "$TOKEN" john@example.com "$m" --eol lf "${extras[@]}"
    if sendmail -C "$CONF" -i -f john@example.com jane@example.net <"$m" >"$TMP/sendmail.out" 2>&1; then
        deliver_check "b $tag sendmail (non_smtpd_milters), From example.com, 200 KB" "$TOKEN" \
            sig=1 d=example.com a=rsa-sha256 "c=$canon" dkimpy perl
    else
        notok "b $tag sendmail -C $CONF failed: $(head -c 300 "$TMP/sendmail.out")"
    fi

    # c. From a domain without a key -> delivered unsigned
    newtoken
    m=$MSGS/$TOKEN.eml
    "$PY" "$HERE/pf.py" mkmsg small "$TOKEN" x@nokey.test "$m"
    smtp_send "c $tag" x@nokey.test "$m" &&
        deliver_check "c $tag smtp from 127.0.0.1, From nokey.test" "$TOKEN" sig=0

    # f. Ed25519 key in the KeyTable (From ed.example.com) -> one ed25519-sha256 signature, d=example.com
    #    (OpenDKIM 2.11 signs every key with the one SignatureAlgorithm and tempfails on an Ed25519 key with
    #    rsa-sha256; dkimctl signs a key of the other type with that key's algorithm.)
    if [ "$MODE" = opendkim ]; then
        skip "f $tag Ed25519 key in KeyTable: OpenDKIM 2.11 cannot mix algorithms (tempfails: EVP_PKEY_get1_RSA() failed)"
    else
        newtoken
        m=$MSGS/$TOKEN.eml
        "$PY" "$HERE/pf.py" mkmsg small "$TOKEN" eve@ed.example.com "$m"
        smtp_send "f $tag" eve@ed.example.com "$m" &&
            deliver_check "f $tag smtp from 127.0.0.1, From ed.example.com (Ed25519 key)" "$TOKEN" \
                sig=1 d=example.com a=ed25519-sha256 "c=$canon" dkimpy
    fi

    # d. mail from outside (127.0.0.2, not in InternalHosts) signed elsewhere by dkimpy -> verified
    local base signed
    newtoken
    base=$MSGS/$TOKEN.base.eml
    "$PY" "$HERE/pf.py" mkmsg big "$TOKEN" x@$OUT "$base" --eol crlf "${extras[@]}"
    signed=$MSGS/$TOKEN.eml
    "$PY" "$HERE/pf.py" dkimpy-sign "$base" "$signed" $OUT out "$KEYS/out.private" rsa-sha256 "$canon"
    smtp_send "d $tag" x@$OUT "$signed" 127.0.0.2 &&
        deliver_check "d $tag from 127.0.0.2, dkimpy rsa-sha256 $canon signature of $OUT" "$TOKEN" \
            sig=1 d=$OUT ar=pass:$OUT dkimpy perl

    local kind
    for kind in header body; do
        newtoken
        base=$MSGS/$TOKEN.base.eml
        "$PY" "$HERE/pf.py" mkmsg small "$TOKEN" x@$OUT "$base"
        "$PY" "$HERE/pf.py" dkimpy-sign "$base" "$MSGS/$TOKEN.signed.eml" $OUT out "$KEYS/out.private" \
            rsa-sha256 "$canon"
        "$PY" "$HERE/pf.py" tamper "$MSGS/$TOKEN.signed.eml" "$MSGS/$TOKEN.eml" "$kind"
        smtp_send "d-tampered-$kind $tag" x@$OUT "$MSGS/$TOKEN.eml" 127.0.0.2 &&
            deliver_check "d $tag from 127.0.0.2, $OUT signature, $kind tampered after signing" "$TOKEN" \
                sig=1 ar=fail:$OUT
    done

    newtoken
    base=$MSGS/$TOKEN.base.eml
    "$PY" "$HERE/pf.py" mkmsg small "$TOKEN" x@$OUT "$base"
    "$PY" "$HERE/pf.py" dkimpy-sign "$base" "$MSGS/$TOKEN.eml" $OUT outed "$KEYS/outed.private" \
        ed25519-sha256 "$canon"
    smtp_send "d-ed25519 $tag" x@$OUT "$MSGS/$TOKEN.eml" 127.0.0.2 &&
        deliver_check "d $tag from 127.0.0.2, dkimpy ed25519-sha256 signature of $OUT" "$TOKEN" \
            sig=1 ar=pass:$OUT dkimpy
}

COMBOS=${PF_COMBOS:-simple/simple:2 simple/simple:6 relaxed/relaxed:2 relaxed/relaxed:6}
for canon in simple/simple relaxed/relaxed; do
    case " $COMBOS " in *" $canon:"*) ;; *) continue ;; esac
    if ! start_milter "$canon"; then
        continue
    fi
    for proto in 2 6; do
        case " $COMBOS " in *" $canon:$proto "*) ;; *) continue ;; esac
        set_protocol "$proto"
        run_combo "$canon" "$proto"
    done
    stop_milter
done

# g. the milter killed with kill -9 while Postfix is sending, then restarted the way it was started
tally() { # tally TEXT: count the "ok - "/"not ok - " lines of TEXT, show the rest as comments
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) notok "${line#not ok - }" ;;
        "") ;;
        *) echo "# $line" ;;
        esac
    done <<<"$1"
}
scenario_g() {
    local tag="g [relaxed/relaxed milter_protocol=6]" prefix="g$RANDOM$RANDOM" res1=$TMP/stream1.txt
    local res2=$TMP/stream2.txt total=60 killat=20 n=0 wpid="" alive=0 out
    start_milter relaxed/relaxed "$tag: " || return 0
    set_protocol 6
    : >"$res1"
    : >"$res2"
    # one SMTP session per message, 50 ms apart: ~5 s in all, so the outage (~1.5 s) falls inside the stream
    timeout 150 "$PY" "$HERE/pf.py" stream "$SMTPPORT" john@example.com jane@example.net "$prefix-a" "$total"         "$res1" "$MSGS" 0.05 >"$TMP/stream1.out" 2>&1 &
    STREAM_PID=$!
    for _ in $(seq 300); do
        n=$(grep -c '^accepted' "$res1" || true)
        [ "$n" -ge "$killat" ] && break
        kill -0 "$STREAM_PID" 2>/dev/null || break
        sleep 0.1
    done
    # the real worker: the PID the milter wrote in its PidFile (falls back to the process we started)
    [ -f "$MDIR/milter.pid" ] && wpid=$(tr -dc 0-9 <"$MDIR/milter.pid")
    if [ -z "$wpid" ] || ! kill -0 "$wpid" 2>/dev/null; then wpid=$MILTER_PID; fi
    kill -0 "$STREAM_PID" 2>/dev/null && alive=1
    echo "=== $(date +%T) scenario g: kill -9 $wpid after $n message(s) accepted" >>"$MLOG"
    # out of bash's job table first, or bash reports "Killed ..." on stderr (it still reaps the process)
    [ "$wpid" = "$MILTER_PID" ] && disown "$MILTER_PID" 2>/dev/null
    kill -9 "$wpid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
    if [ "$alive" = 1 ] && [ "$n" -ge "$killat" ] && ! kill -0 "$wpid" 2>/dev/null; then
        ok "$tag: milter (pid $wpid) killed with kill -9 after $n of $total messages were accepted, sender still running"
    else
        notok "$tag: kill -9 of the milter (pid $wpid) mid-stream: accepted=$n sender_running=$alive"
        tail -n 5 "$TMP/stream1.out" | indent
    fi
    if [ "$wpid" = "$MILTER_PID" ]; then
        MILTER_PID=""
    else
        stop_milter # a wrapper around the worker
    fi
    sleep 1
    start_milter relaxed/relaxed "$tag: restarted: " # waits until the port accepts connections
    local rc=0
    wait "$STREAM_PID" || rc=$?
    STREAM_PID=""
    [ "$rc" -eq 0 ] || notok "$tag: the sender exited with status $rc: $(tail -n 3 "$TMP/stream1.out" | tr '
' ' ')"
    out=$("$PY" "$HERE/pf.py" streamcheck "$MAILDIR" "$res1" "$DNSPORT" 30 "$tag stream across the kill" 2>&1 || true)
    tally "$out"
    if [ -n "$MILTER_PID" ]; then
        timeout 60 "$PY" "$HERE/pf.py" stream "$SMTPPORT" john@example.com jane@example.net "$prefix-b" 10             "$res2" "$MSGS" >"$TMP/stream2.out" 2>&1 || notok "$tag: after restart: the sender failed: $(tail -n 3 "$TMP/stream2.out" | tr '
' ' ')"
        out=$("$PY" "$HERE/pf.py" streamcheck "$MAILDIR" "$res2" "$DNSPORT" 30 "$tag after restart" --signed 2>&1 || true)
        tally "$out"
    fi
    stop_milter
}
case " $COMBOS " in *" relaxed/relaxed:6 "*) scenario_g ;; esac

# e. milter down: Postfix still delivers (milter_default_action = accept)
newtoken
m=$MSGS/$TOKEN.eml
"$PY" "$HERE/pf.py" mkmsg small "$TOKEN" john@example.com "$m"
if "$PY" "$HERE/pf.py" waitport "$MPORT" 0.5; then
    notok "e: something still listens on the milter port $MPORT"
fi
smtp_send "e milter stopped" john@example.com "$m" &&
    deliver_check "e milter stopped, milter_default_action=accept: delivered unsigned" "$TOKEN" sig=0

# ---------------------------------------------------------------------------------------- the end
if [ -s "$MLOG" ] && grep -qv '^===' "$MLOG"; then
    echo "# milter log: $(grep -vc '^===' "$MLOG") line(s); last 5:"
    grep -v '^===' "$MLOG" | tail -n 5 | sed 's/^/#   /'
fi
if [ "$TRACE" = 1 ]; then
    echo "# ---- milter trace (one message per protocol version and path):"
    "$PY" "$HERE/pf.py" traceshow "$TRACELOG" | sed 's/^/# /'
fi
echo "# elapsed $((SECONDS - START))s"
finish
