#!/usr/bin/env python3
"""Helpers for scripts/postfix/run.sh (end-to-end test through a real Postfix).

Subcommands (all talk to 127.0.0.1 only):
  freeport                          print a port free for both TCP and UDP on 127.0.0.1
  waitport PORT SECONDS             wait until 127.0.0.1:PORT accepts a TCP connection (exit 1 on timeout)
  txtrecord FILE                    print the TXT record held in an opendkim-genkey style SELECTOR.txt
  dnsmasq-arg NAME FILE             print one --txt-record=NAME,s1,s2,... (strings <= 250 bytes)
  waitdns PORT NAME SECONDS         poll dnsmasq until NAME has a TXT answer (exit 1 on timeout)
  ed25519-key PRIV TXT SEL DOMAIN   write an Ed25519 PKCS#8 PEM key and an opendkim-genkey style .txt
                                    (stand-in for `dkimctl genkey -a ed25519` when dkimctl is absent)
  rsa-key PRIV TXT SEL DOMAIN       same for a 2048-bit RSA key (PKCS#1 PEM, dkimpy/Mail::DKIM friendly)
  mkmsg KIND TOKEN FROM OUT [--eol crlf|lf] [--relaxed-extras] [--plain-spacing]
                                    write a test message; KIND: big (folded headers, 8-bit, trailing
                                    whitespace, ~200 KB body) or small
  dkimpy-sign IN OUT DOMAIN SEL KEYFILE ALG [CANON]
                                    sign IN with dkimpy (every header field present; CANON default
                                    relaxed/relaxed), ALG rsa-sha256|ed25519-sha256
                                    (KEYFILE for ed25519: the PEM; the seed is extracted)
  tamper IN OUT header|body         change one letter in the Subject or in the body
  send PORT FROM TO FILE [SOURCE_IP]  SMTP submission to 127.0.0.1:PORT (BODY=8BITMIME), optional bind address
  stream PORT FROM TO PREFIX COUNT RESULTS MSGDIR [PACE]
                                    send COUNT small messages (tokens PREFIX-1..COUNT), one SMTP session each,
                                    PACE seconds apart; a 4xx or a lost connection is retried once after 1 s;
                                    one line per message appended (flushed) to RESULTS:
                                    "accepted TOKEN ATTEMPTS" or "failed TOKEN ATTEMPTS temp|perm DETAIL"
  streamcheck MAILDIR RESULTS DNSPORT SECONDS LABEL [--signed]
                                    judge a stream: all accepted, every accepted one delivered, every signature
                                    verifies (dkimpy); --signed: every one signed once, d=example.com
  waitmail MAILDIR TOKEN SECONDS [PFLOG]
                                    print the path of the delivered file containing "X-Test-Id: TOKEN";
                                    gives up early when PFLOG shows a milter-reject for Message-ID <TOKEN@..>
  check FILE DNSPORT EXPECT...      check a delivered message; prints "ok - ..."/"not ok - ..." lines
      EXPECT items: sig=N  d=DOMAIN  a=ALG  c=CANON  dkimpy  ar=pass:DOMAIN  ar=fail:DOMAIN  ar=none
                    label=TEXT (prefix of every line)
  milterproxy LISTEN_PORT UPSTREAM_PORT LOGFILE
                                    a transparent milter proxy that logs every packet (decoded) in LOGFILE
  syslogd SOCKET LOGFILE            receive syslog datagrams on SOCKET and append them to LOGFILE
  traceshow LOGFILE                 summarise a milterproxy log (OPTNEG, macros per stage, header values)
"""
import base64
import io
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time


# ---------------------------------------------------------------- small utilities
def freeport():
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        return port
    raise SystemExit("no free port")


def waitport(port, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.close()
            return 0
        except OSError:
            time.sleep(0.1)
    return 1


def txt_strings(path):
    data = open(path, "rb").read().decode("ascii")
    start = data.index("(")
    end = data.index(")", start)
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', data[start + 1:end])
    if not strings:
        raise ValueError("no quoted strings in %s" % path)
    return strings


def txt_record(path):
    return "".join(txt_strings(path))


def dnsmasq_arg(name, path):
    rec = txt_record(path)
    # On dnsmasq's command line a comma starts the next character-string; quotes are literal.
    if any(c in rec for c in ',"\\'):
        raise ValueError("unexpected comma/quote/backslash in %r" % rec)
    parts = [rec[i:i + 250] for i in range(0, len(rec), 250)]
    return "--txt-record=%s,%s" % (name, ",".join(parts))


def dns_txt(port, name, timeout=3):
    import dns.flags
    import dns.message
    import dns.query
    import dns.rdatatype
    q = dns.message.make_query(name, dns.rdatatype.TXT)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=timeout)
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            return b"".join(list(rrset.items)[0].strings)
    return None


def waitdns(port, name, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if dns_txt(port, name, timeout=1):
                return 0
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.2)
    return 1


def make_dnsfunc(port):
    cache = {}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        if name not in cache:
            cache[name] = dns_txt(port, name.rstrip("."), timeout)
        return cache[name]

    return dnsfunc


def write_txt(path, sel, domain, record_tags, alg):
    # opendkim-genkey layout: NAME<TAB>IN<TAB>TXT<TAB>( "s1"\n\t  "s2" )  ; ----- DKIM key SEL for DOMAIN
    head, p = record_tags
    strings = [head]
    pstr = "p=" + p
    strings += [pstr[i:i + 250] for i in range(0, len(pstr), 250)]
    body = "\n\t  ".join('"%s"' % s for s in strings)
    with open(path, "w") as f:
        f.write('%s._domainkey\tIN\tTXT\t( %s )  ; ----- DKIM key %s for %s\n' % (sel, body, sel, domain))


def ed25519_key(priv, txt, sel, domain):
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", priv], check=True)
    os.chmod(priv, 0o600)
    der = subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    write_txt(txt, sel, domain, ("v=DKIM1; k=ed25519; ", base64.b64encode(der[-32:]).decode()), "ed25519")


def rsa_key(priv, txt, sel, domain):
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", priv, "2048"], check=True,
                   capture_output=True)
    os.chmod(priv, 0o600)
    der = subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    write_txt(txt, sel, domain, ("v=DKIM1; h=sha256; k=rsa; ", base64.b64encode(der).decode()), "rsa")


# ---------------------------------------------------------------- test messages
def mkmsg(kind, token, from_addr, out, eol="crlf", relaxed_extras=False, plain_spacing=False):
    nl = "\r\n" if eol == "crlf" else "\n"
    name = from_addr.split("@")[0].capitalize()
    h = [
        "From: %s <%s>" % (name, from_addr),
        "To: Jane <jane@example.net>",
        "Subject: test %s" % token,
        "Date: Thu, 26 Nov 2026 12:00:00 +0000",
        "Message-ID: <%s@%s>" % (token, from_addr.split("@")[1]),
        "X-Test-Id: %s" % token,
    ]
    if kind == "big":
        h += [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Folded: first line of a folded header",
            "  second line, two leading spaces",
            "\tthird line, leading tab",
            "Cc: Someone Else <someone@example.org>,",
            "\tAnother <another@example.org>",
        ]
        if not plain_spacing:
            # Under milter_protocol 2 Postfix removes exactly one space after the colon, so this still
            # round-trips: the milter must put back one space, not collapse the run (OpenDKIM 2.11 collapses
            # it, so its simple-canonicalization verification of a signature covering this field fails).
            h += ["X-Spaces:   three spaces after colon"]
        if relaxed_extras:
            # Under milter_protocol 2 "X-NoSpace:v" arrives as "v" and "X-Tab:<TAB>v" as "<TAB>v", exactly as
            # "X-NoSpace: v" and "X-Tab: <TAB>v" would: they cannot round-trip byte-exactly, so they are only
            # sent where header canonicalization is relaxed.
            h += [
                "X-NoSpace:value-without-space-after-colon",
                "X-Tab:\tvalue after a tab",
            ]
    msg = nl.join(h) + nl + nl
    if kind == "big":
        lines = [
            "Grüße aus Köln – 8-bit body, UTF-8: ½ € ß æøå",
            "trailing spaces here   ",
            "trailing tab here\t",
            "  leading spaces and   inner   runs",
            "",
            "",
            ".a line starting with a dot",
            ".",
            "..",
        ]
        filler = []
        size = 0
        i = 0
        while size < 200 * 1024:
            ln = "line %06d the quick brown fox jumps over the lazy dog 0123456789 \xe9t\xe9 ok" % i
            filler.append(ln)
            size += len(ln.encode()) + 2
            i += 1
        lines += filler
        lines += ["end of text", "", "", "   ", "\t", "", ""]  # trailing whitespace-only lines
        msg += nl.join(lines) + nl
    else:
        msg += "Hello Jane," + nl + nl + "a small message." + nl
    with open(out, "wb") as f:
        f.write(msg.encode("utf-8"))


# ---------------------------------------------------------------- dkimpy signing / tampering
def dkimpy_sign(inp, out, domain, sel, keyfile, alg, canon="relaxed/relaxed"):
    import dkim
    data = open(inp, "rb").read()
    # sign every header field present (folded ones, Cc, X-* included), each name once
    names = []
    for f in header_fields(data):
        n = f.split(b":", 1)[0].strip().lower()
        if n not in names:
            names.append(n)
    keypem = open(keyfile, "rb").read()
    if alg == "ed25519-sha256":
        der = subprocess.run(["openssl", "pkey", "-in", keyfile, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        key = base64.b64encode(der[-32:])
        signature_algorithm = b"ed25519-sha256"
    else:
        key = keypem
        signature_algorithm = b"rsa-sha256"
    sig = dkim.sign(data, sel.encode(), domain.encode(), key,
                    canonicalize=tuple(c.encode() for c in canon.split("/")),
                    include_headers=names,
                    signature_algorithm=signature_algorithm)
    if b"\r\n" in data and not sig.endswith(b"\r\n"):
        sig = sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(out, "wb") as f:
        f.write(sig + data)


def tamper(inp, out, what):
    data = open(inp, "rb").read()
    if what == "header":
        new = re.sub(rb"(?m)^Subject: test", b"Subject: Test", data, count=1)
    else:
        i = data.index(b"\r\n\r\n") if b"\r\n\r\n" in data else data.index(b"\n\n")
        new = data[:i] + data[i:].replace(b"Hello", b"Jello", 1)
    if new == data:
        raise SystemExit("tamper: nothing changed")
    with open(out, "wb") as f:
        f.write(new)


# ---------------------------------------------------------------- SMTP and delivery
def send(port, mfrom, rcpt, path, source=None):
    import smtplib
    data = open(path, "rb").read()
    kw = {}
    if source:
        kw["source_address"] = (source, 0)
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=60, **kw) as s:
        s.ehlo("client.test")
        opts = ["BODY=8BITMIME"] if "8BITMIME" in s.esmtp_features.get("8bitmime", "8BITMIME").upper() else []
        refused = s.sendmail(mfrom, [rcpt], data, mail_options=opts)
        if refused:
            raise SystemExit("refused: %r" % refused)
        print("queued: %s" % (s.noop(),))


def _send_once(port, mfrom, rcpt, data):
    """One SMTP session; returns (kind, detail), kind ok|temp|perm."""
    import smtplib
    try:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30) as s:
            s.ehlo("client.test")
            refused = s.sendmail(mfrom, [rcpt], data)
            if refused:
                code = list(refused.values())[0][0]
                return ("temp" if 400 <= code < 500 else "perm"), "refused %r" % refused
        return "ok", ""
    except smtplib.SMTPRecipientsRefused as e:
        code = list(e.recipients.values())[0][0]
        return ("temp" if 400 <= code < 500 else "perm"), "RCPT %r" % e.recipients
    except smtplib.SMTPResponseException as e:
        return ("temp" if 400 <= e.smtp_code < 500 else "perm"), "%d %r" % (e.smtp_code, e.smtp_error)
    except (OSError, smtplib.SMTPException) as e:  # refused/reset/disconnected: transient
        return "temp", "%s: %s" % (type(e).__name__, e)


def stream(port, mfrom, rcpt, prefix, count, results, msgdir, pace=0.0):
    with open(results, "a", buffering=1) as out:
        for i in range(1, count + 1):
            token = "%s-%d" % (prefix, i)
            path = os.path.join(msgdir, token + ".eml")
            mkmsg("small", token, mfrom, path)
            data = open(path, "rb").read()
            attempts = 1
            kind, detail = _send_once(port, mfrom, rcpt, data)
            if kind == "temp":
                time.sleep(1)
                attempts = 2
                kind, detail = _send_once(port, mfrom, rcpt, data)
            if kind == "ok":
                out.write("accepted %s %d\n" % (token, attempts))
            else:
                out.write("failed %s %d %s %s\n" % (token, attempts, kind, detail.replace("\n", " ")[:200]))
            if pace:
                time.sleep(pace)
    return 0


def streamcheck(maildir, results, dnsport, seconds, label, signed=False):
    rows = [l.split(None, 4) for l in open(results).read().splitlines() if l.strip()]
    accepted = [r[1] for r in rows if r[0] == "accepted"]
    failed = [r for r in rows if r[0] != "accepted"]
    retried = sum(1 for r in rows if r[2] != "1")
    res = []
    res.append((not failed and len(rows) > 0,
                "%s: %d of %d accepted with 250, %d failed%s; %d temporary failure(s) retried" % (
                    label, len(accepted), len(rows), len(failed),
                    " (%s)" % "; ".join(" ".join(r[1:]) for r in failed[:3]) if failed else "", retried)))
    found = {}
    want = set(accepted)
    end = time.time() + seconds
    d = os.path.join(maildir, "new")
    while True:
        for n in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, n)
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            m = re.search(rb"(?m)^X-Test-Id: (\S+)", data)
            if m and m.group(1).decode() in want and m.group(1).decode() not in found:
                found[m.group(1).decode()] = data
        if len(found) == len(want) or time.time() > end:
            break
        time.sleep(0.2)
    missing = sorted(want - set(found))
    res.append((not missing, "%s: %d of %d accepted messages delivered to the Maildir%s" % (
        label, len(found), len(want), " -- missing: %s" % " ".join(missing[:10]) if missing else " (none lost)")))
    dnsfunc = make_dnsfunc(dnsport)
    unsigned, bad = [], []
    for token, data in sorted(found.items()):
        sigs = [f for f in header_fields(data) if f.lower().startswith(b"dkim-signature:")]
        if not sigs:
            unsigned.append(token)
            continue
        tags = parse_tags(sigs[0].split(b":", 1)[1])
        ok, why = dkimpy_verify(data, dnsfunc)
        if len(sigs) != 1 or tags.get(b"d") != b"example.com" or not ok:
            bad.append("%s (%d sigs, d=%r: %s)" % (token, len(sigs), tags.get(b"d"), "pass" if ok else why[:150]))
    nsigned = len(found) - len(unsigned)
    if signed:
        res.append((found and not unsigned and not bad,
                    "%s: %d of %d delivered signed once, d=example.com, verified by dkimpy%s" % (
                        label, nsigned - len(bad), len(found),
                        "" if not (unsigned or bad) else " -- unsigned: %s; bad: %s" % (
                            " ".join(unsigned[:5]) or "none", "; ".join(bad[:3]) or "none"))))
    else:
        res.append((not bad, "%s: each of the %d signed deliveries has one d=example.com signature dkimpy "
                    "verifies%s" % (label, nsigned, " -- bad: " + "; ".join(bad[:3]) if bad else "")))
    for ok, what in res:
        print("%s - %s" % ("ok" if ok else "not ok", what))
    print("%s: %d delivered unsigned, %d signed" % (label, len(unsigned), nsigned))
    return 0 if all(ok for ok, _ in res) else 1


def milter_rejected(pflog, token):
    """The Postfix log line saying the message with Message-ID <TOKEN@...> was refused by the milter."""
    try:
        text = open(pflog, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    qids = re.findall(r"postfix/cleanup\[\d+\]: ([0-9A-F]+): message-id=<%s@" % re.escape(token), text)
    for q in qids:
        m = re.search(r"^.*\b%s: milter-(?:reject|discard|hold).*$" % q, text, re.M)
        if m:
            return m.group(0)
    return None


def waitmail(maildir, token, seconds, pflog=None):
    end = time.time() + seconds
    needle = ("X-Test-Id: %s\n" % token).encode()
    seen = set()
    while time.time() < end:
        d = os.path.join(maildir, "new")
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            names = []
        for n in names:
            if n in seen:
                continue
            p = os.path.join(d, n)
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if needle in data.replace(b"\r\n", b"\n"):
                print(p)
                return 0
            seen.add(n)
        if pflog:
            why = milter_rejected(pflog, token)
            if why:
                sys.stderr.write("milter refused the message: %s\n" % why)
                return 1
        time.sleep(0.1)
    sys.stderr.write("not delivered within %gs\n" % seconds)
    return 1


# ---------------------------------------------------------------- checking delivered mail
def header_fields(data):
    m = re.search(rb"\r?\n\r?\n", data)
    block = data[:m.start() + 1] if m else data
    fields = []
    for line in re.findall(rb"[^\n]*\n|[^\n]+$", block):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def parse_tags(value):
    out = {}
    for part in value.split(b";"):
        if b"=" in part:
            k, v = part.split(b"=", 1)
            out[k.strip().lower()] = re.sub(rb"\s+", b"", v)
    return out


def dkimpy_verify(data, dnsfunc, idx=0):
    import dkim
    buf = io.StringIO()
    logger = logging.getLogger("dkimpy.%d" % id(buf))
    logger.propagate = False
    logger.handlers = [logging.StreamHandler(buf)]
    logger.setLevel(logging.INFO)
    try:
        d = dkim.DKIM(data, logger=logger, minkey=1024, timeout=5)
        ok = d.verify(idx=idx, dnsfunc=dnsfunc)
        why = buf.getvalue().strip().replace("\n", " | ") or "signature does not verify"
    except Exception as e:  # noqa: BLE001
        ok, why = False, "%s: %s" % (type(e).__name__, e)
    return ok, why[:400]


def check(path, dnsport, expects):
    data = open(path, "rb").read()
    fields = header_fields(data)
    sigs = [f for f in fields if f.lower().startswith(b"dkim-signature:")]
    ars = [f for f in fields if f.lower().startswith(b"authentication-results:")]
    label = ""
    results = []
    for e in expects:
        if e.startswith("label="):
            label = e[6:]
    first = parse_tags(sigs[0].split(b":", 1)[1]) if sigs else {}

    def rec(ok, what):
        results.append((ok, what))

    for e in expects:
        key, _, val = e.partition("=")
        if key == "label":
            continue
        if key == "sig":
            rec(len(sigs) == int(val), "exactly %s DKIM-Signature (found %d)" % (val, len(sigs)))
        elif key == "d":
            rec(first.get(b"d") == val.encode(), "d=%s (got %r)" % (val, first.get(b"d")))
        elif key == "a":
            rec(first.get(b"a") == val.encode(), "a=%s (got %r)" % (val, first.get(b"a")))
        elif key == "c":
            got = first.get(b"c") or b"simple/simple"
            if b"/" not in got:
                got += b"/simple"
            rec(got == val.encode(), "c=%s (got %r)" % (val, first.get(b"c")))
        elif key == "dkimpy":
            if not sigs:
                rec(False, "dkimpy verifies (no signature)")
            else:
                ok, why = dkimpy_verify(data, make_dnsfunc(dnsport))
                rec(ok, "dkimpy verifies the signature" + ("" if ok else " -- " + why))
        elif key == "perl":
            if not sigs:
                rec(False, "Mail::DKIM verifies (no signature)")
            else:
                here = os.path.dirname(os.path.abspath(__file__))
                p = subprocess.run(["perl", os.path.join(here, "verify.pl"), str(dnsport), path],
                                   capture_output=True, text=True, timeout=60)
                out = (p.stdout + p.stderr).strip()
                rec(p.returncode == 0 and out.startswith("pass"),
                    "Mail::DKIM verifies the signature" + ("" if p.returncode == 0 else " -- " + out[:300]))
        elif key == "ar":
            want, _, dom = val.partition(":")
            if want == "none":
                rec(not ars, "no Authentication-Results header (found %d)" % len(ars))
                continue
            mine = [a for a in ars if re.match(rb"(?is)authentication-results:\s*mx\.test\.example\s*;", a)]
            txt = b" ".join(mine).decode("utf-8", "replace")
            flat = re.sub(r"\s+", " ", txt)
            ok = bool(mine) and re.search(r"\bdkim=%s\b" % re.escape(want), flat) is not None
            if want == "fail" and re.search(r"key not found|no key|temperror|permerror", flat, re.I):
                ok = False  # a DNS/key problem is not the verification failure we are after
            if dom:
                ok = ok and re.search(r"header\.d=%s\b" % re.escape(dom), flat) is not None
            rec(ok, "Authentication-Results: mx.test.example; dkim=%s%s (got %s)" % (
                want, " header.d=" + dom if dom else "", flat[:300] or "none"))
        else:
            rec(False, "unknown expectation %s" % e)
    allok = True
    for ok, what in results:
        allok &= ok
        print("%s - %s%s" % ("ok" if ok else "not ok", label + ": " if label else "", what))
    return 0 if allok else 1


# ---------------------------------------------------------------- milter tracing proxy
CMD_NAMES = {
    b"A": "ABORT", b"B": "BODY", b"C": "CONNECT", b"D": "MACRO", b"E": "BODYEOB", b"H": "HELO",
    b"L": "HEADER", b"M": "MAIL", b"N": "EOH", b"O": "OPTNEG", b"Q": "QUIT", b"R": "RCPT",
    b"T": "DATA", b"U": "UNKNOWN", b"K": "QUIT_NC",
}
REPLY_NAMES = {
    b"+": "ADDRCPT", b"-": "DELRCPT", b"2": "ADDRCPT_PAR", b"4": "SHUTDOWN", b"a": "ACCEPT",
    b"b": "REPLBODY", b"c": "CONTINUE", b"d": "DISCARD", b"f": "CONNFAIL", b"h": "ADDHEADER",
    b"i": "INSHEADER", b"l": "SETSYMLIST", b"m": "CHGHEADER", b"p": "PROGRESS", b"q": "QUARANTINE",
    b"r": "REJECT", b"s": "SETSENDER", b"t": "TEMPFAIL", b"y": "REPLYCODE", b"O": "OPTNEG",
    b"e": "CHGFROM", b"3": "SKIP",
}


def _split_nul(b):
    parts = b.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


def describe(direction, cmd, payload):
    names = CMD_NAMES if direction == ">" else REPLY_NAMES
    name = names.get(cmd, repr(cmd))
    if cmd == b"O" and len(payload) >= 12:
        v, act, proto = struct.unpack(">III", payload[:12])
        extra = ""
        if len(payload) > 12:
            extra = " rest=%r" % payload[12:]
        return "%s version=%d actions=0x%x protocol=0x%x%s" % (name, v, act, proto, extra)
    if direction == ">" and cmd == b"D":
        stage = payload[:1].decode("latin-1")
        kv = _split_nul(payload[1:])
        pairs = ["%s=%r" % (kv[i].decode("latin-1"), kv[i + 1].decode("latin-1") if i + 1 < len(kv) else None)
                 for i in range(0, len(kv), 2)]
        return "%s stage=%s %s" % (name, stage, " ".join(pairs))
    if direction == ">" and cmd == b"B":
        return "%s %d bytes head=%r tail=%r" % (name, len(payload), payload[:40], payload[-40:])
    if direction == "<" and cmd in (b"h", b"i", b"m"):
        if cmd in (b"i", b"m"):
            idx = struct.unpack(">I", payload[:4])[0]
            rest = _split_nul(payload[4:])
            return "%s index=%d %r" % (name, idx, rest)
        return "%s %r" % (name, _split_nul(payload))
    if direction == ">" and cmd == b"C":
        parts = payload.split(b"\0", 1)
        host = parts[0]
        rest = parts[1] if len(parts) > 1 else b""
        fam = rest[:1]
        port = struct.unpack(">H", rest[1:3])[0] if len(rest) >= 3 else None
        addr = rest[3:].rstrip(b"\0") if len(rest) > 3 else b""
        return "%s host=%r family=%r port=%r addr=%r" % (name, host, fam, port, addr)
    return "%s %r" % (name, payload[:300])


def milterproxy(listen_port, upstream_port, logfile):
    log = open(logfile, "a", buffering=1)
    lock = threading.Lock()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(64)
    counter = [0]

    def pump(conn_id, src, dst, direction):
        buf = b""
        try:
            while True:
                chunk = src.recv(65536 + 16)
                if not chunk:
                    break
                dst.sendall(chunk)
                buf += chunk
                while len(buf) >= 4:
                    ln = struct.unpack(">I", buf[:4])[0]
                    if len(buf) < 4 + ln:
                        break
                    pkt = buf[4:4 + ln]
                    buf = buf[4 + ln:]
                    with lock:
                        log.write("%d %s %s\n" % (conn_id, direction, describe(direction, pkt[:1], pkt[1:])))
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def handle(c, conn_id):
        try:
            u = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
            u.settimeout(None)
        except OSError as e:
            with lock:
                log.write("%d ! upstream connect failed: %s\n" % (conn_id, e))
            c.close()
            return
        t1 = threading.Thread(target=pump, args=(conn_id, c, u, ">"), daemon=True)
        t2 = threading.Thread(target=pump, args=(conn_id, u, c, "<"), daemon=True)
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        c.close()
        u.close()
        with lock:
            log.write("%d ! closed\n" % conn_id)

    while True:
        c, _ = srv.accept()
        counter[0] += 1
        with lock:
            log.write("%d ! new connection\n" % counter[0])
        threading.Thread(target=handle, args=(c, counter[0]), daemon=True).start()


def traceshow(logfile):
    """Print, for the first milter connection of each (protocol version, smtp|sendmail) pair, every
    packet except BODY chunks (summarised), so the macros Postfix sends per stage can be compared."""
    conns = {}
    order = []
    for line in open(logfile, encoding="utf-8", errors="replace"):
        cid, _, rest = line.rstrip("\n").partition(" ")
        if cid not in conns:
            conns[cid] = []
            order.append(cid)
        conns[cid].append(rest)
    shown = set()
    for cid in order:
        lines = conns[cid]
        ver = next((re.search(r"version=(\d+)", l).group(1) for l in lines if l.startswith("> OPTNEG")), "?")
        kind = "sendmail" if any(l.startswith("> CONNECT") and "port=0" in l for l in lines) else "smtp"
        if (ver, kind) in shown or not any(l.startswith("> MAIL") for l in lines):
            continue
        shown.add((ver, kind))
        print("---- milter connection %s: Postfix offered protocol version %s, %s path" % (cid, ver, kind))
        nbody = 0
        for l in lines:
            if l.startswith("> BODY "):
                nbody += 1
                if nbody > 2:
                    continue
            print("   " + l[:400])
        if nbody > 2:
            print("   (%d BODY packets in all)" % nbody)


def syslogd(sock_path, logfile):
    """A minimal syslog receiver on a unix datagram socket (for OpenDKIM, which logs only via syslog)."""
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    os.chmod(sock_path, 0o666)
    with open(logfile, "a", buffering=1) as log:
        while True:
            data = s.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
            log.write("%s %s\n" % (time.strftime("%H:%M:%S"), re.sub(r"^<\d+>", "", data)))


def main(argv):
    cmd = argv[0]
    a = argv[1:]
    if cmd == "freeport":
        print(freeport())
    elif cmd == "waitport":
        return waitport(int(a[0]), float(a[1]))
    elif cmd == "txtrecord":
        print(txt_record(a[0]))
    elif cmd == "dnsmasq-arg":
        print(dnsmasq_arg(a[0], a[1]))
    elif cmd == "waitdns":
        return waitdns(int(a[0]), a[1], float(a[2]))
    elif cmd == "ed25519-key":
        ed25519_key(*a)
    elif cmd == "rsa-key":
        rsa_key(*a)
    elif cmd == "mkmsg":
        kind, token, frm, out = a[:4]
        eol = "crlf"
        extras = False
        plain = False
        rest = a[4:]
        while rest:
            if rest[0] == "--eol":
                eol = rest[1]
                rest = rest[2:]
            elif rest[0] == "--relaxed-extras":
                extras = True
                rest = rest[1:]
            elif rest[0] == "--plain-spacing":
                plain = True
                rest = rest[1:]
            else:
                raise SystemExit("mkmsg: unknown option %s" % rest[0])
        mkmsg(kind, token, frm, out, eol, extras, plain)
    elif cmd == "dkimpy-sign":
        dkimpy_sign(*a)
    elif cmd == "tamper":
        tamper(*a)
    elif cmd == "send":
        send(int(a[0]), a[1], a[2], a[3], a[4] if len(a) > 4 else None)
    elif cmd == "stream":
        return stream(int(a[0]), a[1], a[2], a[3], int(a[4]), a[5], a[6], float(a[7]) if len(a) > 7 else 0.0)
    elif cmd == "streamcheck":
        return streamcheck(a[0], a[1], int(a[2]), float(a[3]), a[4], "--signed" in a[5:])
    elif cmd == "waitmail":
        return waitmail(a[0], a[1], float(a[2]), a[3] if len(a) > 3 else None)
    elif cmd == "check":
        return check(a[0], int(a[1]), a[2:])
    elif cmd == "syslogd":
        syslogd(a[0], a[1])
    elif cmd == "traceshow":
        traceshow(a[0])
    elif cmd == "milterproxy":
        milterproxy(int(a[0]), int(a[1]), a[2])
    else:
        sys.stderr.write("unknown subcommand %s\n" % cmd)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
