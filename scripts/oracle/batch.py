#!/usr/bin/env python3
"""Run many dkimctl invocations in parallel (one worker per core) and judge each one.

Usage:
  batch.py sign DKIMCTL JOBS PYLIST PERLLIST
      JOBS lines (tab-separated): MSGPATH NAME SELECTOR ALG CANON KEYPATH OUTPATH
      Runs `dkimctl sign --domain DOMAIN --selector SEL --key KEY --canonicalization C < MSG`.
      A zero exit with output appends "OUT MSG NAME CANON ALG SEL" to PYLIST and PERLLIST.
  batch.py verify DKIMCTL LIST KEYARG...
      Runs `dkimctl verify KEYARG... < PATH`, KEYARG being e.g. --nameserver=127.0.0.1@PORT.
      LIST lines (tab-separated): PATH LABEL EXPECT SELECTOR ALG, EXPECT one of
        pass      exit 0, a line with "d=DOMAIN s=SEL a=ALG result=pass", an
                  Authentication-Results: line
        fail      exit 1, a line with "d=DOMAIN s=SEL a=ALG result=fail" and reason="..."
        unsigned  exit 1
DOMAIN is $ORACLE_DOMAIN (default oracle.test).
Prints PASS/FAIL lines and a final COUNT line.
"""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 120
DOMAIN = os.environ.get("ORACLE_DOMAIN", "oracle.test")


def run(cmd, stdin_path):
    try:
        with open(stdin_path, "rb") as f:
            p = subprocess.run(cmd, stdin=f, capture_output=True, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after %ds" % TIMEOUT


def short(b, n=300):
    return b[:n].decode("utf-8", "replace").replace("\n", " ").strip()


def sign_job(dkimctl, job):
    msg, name, sel, alg, canon, key, out = job
    cmd = [dkimctl, "sign", "--domain", DOMAIN, "--selector", sel, "--key", key,
           "--canonicalization", canon]
    rc, so, se = run(cmd, msg)
    label = "%s %s %s [dkimctl sign]" % (name, canon, alg)
    if rc != 0 or not so:
        return False, label, "exited %s with %d output bytes: %s" % (rc, len(so), short(se)), job
    with open(out, "wb") as f:
        f.write(so)
    return True, label, "exit 0", job


def verify_job(dkimctl, keyargs, job):
    path, label, expect, sel, alg = job
    rc, so, se = run([dkimctl, "verify"] + keyargs, path)
    text = so.decode("utf-8", "replace")
    lines = text.splitlines()
    if expect == "unsigned":
        ok = rc == 1
        return ok, label, "exit 1 expected, got %s%s" % (rc, "" if ok else ": " + short(so) + " " + short(se)), job
    want = "d=%s s=%s a=%s result=%s" % (DOMAIN, sel, alg, expect)
    hit = [ln for ln in lines if want in ln]
    if expect == "pass":
        ok = rc == 0 and bool(hit) and any(ln.startswith("Authentication-Results:") for ln in lines)
        what = "pass (exit 0, '%s', Authentication-Results line)" % want
    else:
        ok = rc == 1 and bool(hit) and any('reason="' in ln for ln in hit)
        what = "fail (exit 1, '%s' with reason=\"...\")" % want
    if ok:
        return True, label, what, job
    return False, label, "expected %s; got exit %s: %s %s" % (what, rc, short(so), short(se)), job


def main():
    mode = sys.argv[1]
    dkimctl = sys.argv[2]
    workers = max(1, os.cpu_count() or 1)
    npass = nfail = 0
    if mode == "sign":
        jobs = [ln.rstrip("\n").split("\t") for ln in open(sys.argv[3], encoding="utf-8") if ln.strip()]
        pylist = open(sys.argv[4], "w", encoding="utf-8")
        perllist = open(sys.argv[5], "w", encoding="utf-8")
        with ThreadPoolExecutor(workers) as ex:
            results = list(ex.map(lambda j: sign_job(dkimctl, j), jobs))
        for ok, label, what, job in results:
            msg, name, sel, alg, canon, key, out = job
            if ok:
                npass += 1
                print("PASS %s: %s" % (label, what))
                row = "\t".join([out, msg, name, canon, alg, sel]) + "\n"
                pylist.write(row)
                perllist.write(row)
            else:
                nfail += 1
                print("FAIL %s: %s" % (label, what))
        pylist.close()
        perllist.close()
    elif mode == "verify":
        keyargs = sys.argv[4:]
        jobs = [ln.rstrip("\n").split("\t") for ln in open(sys.argv[3], encoding="utf-8") if ln.strip()]
        with ThreadPoolExecutor(workers) as ex:
            results = list(ex.map(lambda j: verify_job(dkimctl, keyargs, j), jobs))
        for ok, label, what, _job in results:
            if ok:
                npass += 1
            else:
                nfail += 1
            print("%s %s: %s" % ("PASS" if ok else "FAIL", label, what))
    else:
        sys.stderr.write(__doc__)
        return 2
    print("COUNT %d %d" % (npass, nfail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
