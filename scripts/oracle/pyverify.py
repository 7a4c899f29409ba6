#!/usr/bin/env python3
"""Verify files signed by dkimctl with dkimpy (one process for the whole batch).

Usage: pyverify.py PORT LISTFILE

LISTFILE has one tab-separated line per signed file:
    SIGNED  ORIGINAL  MESSAGE  CANON  ALG  SELECTOR
For each line this checks, reporting one PASS/FAIL line per check:
  * dkimpy verifies SIGNED (keys from our dnsmasq on 127.0.0.1:PORT only);
  * the output is one DKIM-Signature header field followed by ORIGINAL byte for byte, and that
    header uses ORIGINAL's line ending (LF in, LF out; CRLF in, CRLF out);
  * the signature's tags: d=$ORACLE_DOMAIN, s=SELECTOR, a=ALG, c=CANON, h= includes from, no l=;
  * for relaxed/relaxed only: a changed body letter and a changed Subject/From letter make
    dkimpy fail (guards against signing too little).
"""
import io
import logging
import re
import sys

import dkim

from common import (DOMAIN, canon_pair, dkimpy_relaxed_quirk, eol_of, make_dnsfunc, parse_tags, tamper_body,
                    tamper_header)


def dkimpy_verify(data, dnsfunc):
    buf = io.StringIO()
    logger = logging.getLogger("dkimpy.%d" % id(buf))
    logger.propagate = False
    logger.handlers = [logging.StreamHandler(buf)]
    logger.setLevel(logging.INFO)
    try:
        d = dkim.DKIM(data, logger=logger, minkey=1024, timeout=5)
        ok = d.verify(dnsfunc=dnsfunc)
        reason = buf.getvalue().strip().replace("\n", " | ") or "b= signature does not verify (header hash mismatch or wrong key)"
    except dkim.DKIMException as e:
        ok, reason = False, "%s: %s" % (type(e).__name__, e)
    except Exception as e:  # noqa: BLE001 - report, don't crash the batch
        ok, reason = False, "exception %s: %s" % (type(e).__name__, e)
    return ok, reason[:300]


def structure_checks(signed, orig):
    """Return list of (ok, what) for the shape of the signed output."""
    res = []
    if not signed.endswith(orig) or len(signed) == len(orig):
        res.append((False, "output is not <DKIM-Signature header> + original bytes unchanged"))
        return res
    prefix = signed[:len(signed) - len(orig)]
    res.append((True, "original bytes follow the added header unchanged"))
    lines = re.findall(rb"[^\n]*\n", prefix)
    shape_ok = (b"".join(lines) == prefix and lines and
                lines[0].lower().startswith(b"dkim-signature:") and
                all(ln[:1] in (b" ", b"\t") for ln in lines[1:]))
    res.append((bool(shape_ok), "prefix is exactly one DKIM-Signature header field (%d line(s))" % len(lines)))
    want = eol_of(orig) if b"\n" in orig else b"\n"
    if want == b"\n":
        ok = b"\r" not in prefix
        res.append((ok, "signature header uses LF like the input"))
    else:
        ok = all(ln.endswith(b"\r\n") for ln in lines) and b"\r" not in prefix.replace(b"\r\n", b"")
        res.append((ok, "signature header uses CRLF like the input"))
    return res


def main():
    port = int(sys.argv[1])
    dnsfunc = make_dnsfunc(port)
    npass = nfail = nskip = 0

    def report(ok, label, what):
        nonlocal npass, nfail
        if ok:
            npass += 1
            print("PASS %s: %s" % (label, what))
        else:
            nfail += 1
            print("FAIL %s: %s" % (label, what))

    for line in open(sys.argv[2], encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        signed_path, orig_path, msg, canon, alg, sel = line.split("\t")
        label = "%s %s %s [dkimpy]" % (msg, canon, alg)
        try:
            signed = open(signed_path, "rb").read()
            orig = open(orig_path, "rb").read()
        except OSError as e:
            report(False, label, "cannot read: %s" % e)
            continue
        if not signed:
            report(False, label, "dkimctl sign produced no output")
            continue
        if canon.endswith("/relaxed") and dkimpy_relaxed_quirk(orig):
            nskip += 1
            ok = False
            print("SKIP %s: dkimpy's relaxed body hash is non-RFC for an unterminated last line "
                  "with trailing whitespace" % label)
        else:
            ok, reason = dkimpy_verify(signed, dnsfunc)
            report(ok, label, "dkimpy verifies dkimctl's signature" + ("" if ok else " -- " + reason))
        for ok2, what in structure_checks(signed, orig):
            report(ok2, "%s %s %s [shape]" % (msg, canon, alg), what)
        # tags of the first DKIM-Signature
        m = re.match(rb"(?i)dkim-signature:((?:[^\n]*\n)(?:[ \t][^\n]*\n)*)", signed)
        if not m:
            report(False, "%s %s %s [tags]" % (msg, canon, alg), "no DKIM-Signature header at top")
            continue
        t = parse_tags(m.group(1))
        want_c = tuple(x.encode() for x in canon.split("/"))
        problems = []
        if t.get(b"d") != DOMAIN.encode():
            problems.append("d=%r" % t.get(b"d"))
        if t.get(b"s") != sel.encode():
            problems.append("s=%r" % t.get(b"s"))
        if t.get(b"a") != alg.encode():
            problems.append("a=%r" % t.get(b"a"))
        if canon_pair(t.get(b"c")) != want_c:
            problems.append("c=%r (wanted %s)" % (t.get(b"c"), canon))
        if t.get(b"v") != b"1":
            problems.append("v=%r" % t.get(b"v"))
        hs = [x.strip().lower() for x in (t.get(b"h") or b"").split(b":")]
        if b"from" not in hs:
            problems.append("h= lacks from (%r)" % t.get(b"h"))
        if b"l" in t:
            problems.append("l= present (%r)" % t.get(b"l"))
        report(not problems, "%s %s %s [tags]" % (msg, canon, alg),
               "signature tags as requested" + ("" if not problems else " -- " + "; ".join(problems)))
        if canon == "relaxed/relaxed" and ok:
            for fn, kind in ((tamper_body, "body"), (tamper_header, "header")):
                tampered, how = fn(signed)
                if tampered is None:
                    continue
                ok3, _ = dkimpy_verify(tampered, dnsfunc)
                if kind == "header" and b"subject" not in hs and "subject" in how:
                    # Subject not signed: dkimctl's choice; record it rather than fail later checks
                    report(False, "%s %s %s [dkimpy]" % (msg, canon, alg),
                           "h= does not include subject (%r)" % t.get(b"h"))
                    continue
                report(not ok3, "%s %s %s [dkimpy tamper-%s]" % (msg, canon, alg, kind),
                       "dkimpy rejects dkimctl-signed message after %s" % how)
    print("COUNT %d %d %d" % (npass, nfail, nskip))
    return 0


if __name__ == "__main__":
    sys.exit(main())
