#!/usr/bin/env python3
"""Reverse direction: dkimpy signs every corpus message; write signed and tampered copies for
`dkimctl verify` to judge.

Usage: pysign.py PORT CORPUSDIR OUTDIR KEYDIR LISTFILE

KEYDIR must hold rsa1.pkcs1.pem (PKCS#1 PEM, dkimpy's RSA format) and ed1.seed (base64 of the
Ed25519 seed, dkimpy's Ed25519 format).  For every message, both keys, all four
canonicalizations, this writes the signed message (expect pass) and tampered copies:

  c=relaxed/relaxed  Subject/From letter changed -> fail; body letter changed -> fail;
                     spaces after From's colon -> pass; trailing space on a body line -> pass
  c=simple/simple    space inserted inside a body line -> fail; spaces after From's colon -> fail;
                     trailing space on a body line -> fail
  c=relaxed/simple   trailing space on a body line -> fail; spaces after From's colon -> pass
  c=simple/relaxed   trailing space on a body line -> pass; spaces after From's colon -> fail

Each file is first checked with dkimpy itself: a file whose dkimpy result differs from the
expectation is a harness problem and is reported as FAIL (and not handed to dkimctl).
LISTFILE gets one tab-separated line per file:  PATH  LABEL  EXPECT(pass|fail)  SELECTOR  ALG
Prints PASS/FAIL/SKIP lines and a final "COUNT passed failed skipped".
"""
import os
import sys

import dkim

from common import (DOMAIN, dkimpy_relaxed_quirk, eol_of, make_dnsfunc, tamper_body, tamper_body_space_inside,
                    tamper_body_trailing_space, tamper_header, tamper_header_whitespace)
from pyverify import dkimpy_verify

CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]

TAMPERS = {
    "relaxed/relaxed": [(tamper_header, "fail", "hdr-letter"), (tamper_body, "fail", "body-letter"),
                        (tamper_header_whitespace, "pass", "hdr-ws"),
                        (tamper_body_trailing_space, "pass", "body-trailing-ws")],
    "simple/simple": [(tamper_body_space_inside, "fail", "body-inner-space"),
                      (tamper_header_whitespace, "fail", "hdr-ws"),
                      (tamper_body_trailing_space, "fail", "body-trailing-ws")],
    "relaxed/simple": [(tamper_body_trailing_space, "fail", "body-trailing-ws"),
                       (tamper_header_whitespace, "pass", "hdr-ws")],
    "simple/relaxed": [(tamper_body_trailing_space, "pass", "body-trailing-ws"),
                       (tamper_header_whitespace, "fail", "hdr-ws")],
}


def main():
    port, corpus, out, keydir, listfile = sys.argv[1:6]
    port = int(port)
    dnsfunc = make_dnsfunc(port)
    keys = [
        ("rsa1", b"rsa-sha256", open(os.path.join(keydir, "rsa1.pkcs1.pem"), "rb").read()),
        ("ed1", b"ed25519-sha256", open(os.path.join(keydir, "ed1.seed"), "rb").read().strip()),
    ]
    os.makedirs(out, exist_ok=True)
    npass = nfail = nskip = 0
    lst = open(listfile, "w", encoding="utf-8")
    for fname in sorted(os.listdir(corpus)):
        if not fname.endswith(".eml"):
            continue
        name = fname[:-4]
        msg = open(os.path.join(corpus, fname), "rb").read()
        eol = eol_of(msg)
        for sel, alg, key in keys:
            for canon in CANONS:
                hc, bc = canon.split("/")
                label = "%s %s %s [dkimpy-signed]" % (name, canon, alg.decode())
                if bc == "relaxed" and dkimpy_relaxed_quirk(msg):
                    nskip += 1
                    print("SKIP %s: dkimpy's relaxed body hash is non-RFC for an unterminated last "
                          "line with trailing whitespace" % label)
                    continue
                try:
                    sig = dkim.sign(msg, sel.encode(), DOMAIN.encode(), key,
                                    canonicalize=(hc.encode(), bc.encode()),
                                    signature_algorithm=alg, linesep=eol)
                except Exception as e:  # noqa: BLE001
                    nfail += 1
                    print("FAIL %s: dkimpy cannot sign (harness problem): %s" % (label, e))
                    continue
                signed = sig + msg
                variants = [(signed, "pass", "signed")]
                for fn, expect, tag in TAMPERS[canon]:
                    t, _how = fn(signed)
                    if t is not None:
                        variants.append((t, expect, tag))
                for data, expect, tag in variants:
                    ok, reason = dkimpy_verify(data, dnsfunc)
                    vlabel = "%s %s %s %s [dkimctl verify]" % (name, canon, alg.decode(), tag)
                    if ok != (expect == "pass"):
                        nfail += 1
                        print("FAIL %s: harness self-check: dkimpy says %s, expected %s (%s)"
                              % (vlabel, "pass" if ok else "fail", expect, reason))
                        continue
                    path = os.path.join(out, "%s.%s.%s.%s.eml" % (name, canon.replace("/", "-"), sel, tag))
                    with open(path, "wb") as f:
                        f.write(data)
                    lst.write("%s\t%s\t%s\t%s\t%s\n" % (path, vlabel, expect, sel, alg.decode()))
    lst.close()
    print("COUNT %d %d %d" % (npass, nfail, nskip))
    return 0


if __name__ == "__main__":
    sys.exit(main())
