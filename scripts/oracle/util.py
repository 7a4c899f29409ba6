#!/usr/bin/env python3
"""Small helpers for scripts/oracle/run.sh.

Subcommands:
  freeport                      print a port free for both UDP and TCP on 127.0.0.1
  txtrecord FILE                print the DNS TXT record held in an opendkim-style SELECTOR.txt
  dnsmasq-arg NAME FILE         print one --txt-record=NAME,s1,s2 argument (strings <= 250 bytes)
  keycheck DIR SEL ALG          check DIR/SEL.txt against DIR/SEL.private (via openssl) and the
                                file mode; prints PASS/FAIL lines
  dnscheck PORT NAME FILE       PASS/FAIL: the TXT record served for NAME equals the record in FILE
  waitdns PORT NAME [SECONDS]   poll 127.0.0.1:PORT until NAME has a TXT answer; exit 1 on timeout
  rsa-traditional IN OUT        write a PKCS#1 ("BEGIN RSA PRIVATE KEY") copy of an RSA key for dkimpy
  ed25519-seed IN OUT           write base64 of the 32-byte Ed25519 seed (dkimpy's private-key format)
"""
import base64
import os
import re
import socket
import stat
import subprocess
import sys
import time


def freeport():
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            u.close()
            t.close()
            continue
        u.close()
        t.close()
        return port
    raise SystemExit("no free port found")


def txt_strings(path):
    """Return the list of quoted strings between the parentheses of an opendkim-style .txt."""
    data = open(path, "rb").read().decode("ascii")
    start = data.index("(")
    end = data.index(")", start)
    inner = data[start + 1:end]
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', inner)
    if not strings:
        raise ValueError("no quoted strings in %s" % path)
    return strings


def txt_record(path):
    return "".join(txt_strings(path))


def tags(record):
    out = {}
    for part in record.split(";"):
        part = part.strip()
        if not part:
            continue
        k, _, v = part.partition("=")
        out[k.strip()] = re.sub(r"\s+", "", v)
    return out


def chunks(s, n=250):
    return [s[i:i + n] for i in range(0, len(s), n)] or [""]


def dnsmasq_arg(name, path):
    rec = txt_record(path)
    # On dnsmasq's command line (unlike its config file) quotes are taken literally and a comma
    # starts the next character-string, so the strings are given bare.
    if any(c in rec for c in ',"\\'):
        raise ValueError("unexpected comma, quote or backslash in record %r" % rec)
    return "--txt-record=%s,%s" % (name, ",".join(chunks(rec)))


def openssl_public_der(private_path):
    return subprocess.run(["openssl", "pkey", "-in", private_path, "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout


def keycheck(directory, sel, alg):
    results = []

    def rec(ok, what):
        results.append(("PASS" if ok else "FAIL", "genkey %s: %s" % (sel, what)))

    priv = os.path.join(directory, sel + ".private")
    txt = os.path.join(directory, sel + ".txt")
    if not os.path.isfile(priv) or not os.path.isfile(txt):
        rec(False, "missing %s or %s" % (priv, txt))
        return results
    mode = stat.S_IMODE(os.stat(priv).st_mode)
    rec(mode == 0o600, "private key mode is %o (want 600)" % mode)
    pem = open(priv, "rb").read()
    rec(pem.startswith(b"-----BEGIN ") and b"PRIVATE KEY-----" in pem, "private key is PEM")
    raw = open(txt, "rb").read().decode("ascii", "replace")
    rec(raw.startswith(sel + "._domainkey\tIN\tTXT\t("),
        "txt starts with '%s._domainkey<TAB>IN<TAB>TXT<TAB>('" % sel)
    dom = os.environ.get("ORACLE_DOMAIN", "oracle.test")
    rec(("DKIM key %s for %s" % (sel, dom)) in raw,
        "txt carries the '; ----- DKIM key %s for %s' comment" % (sel, dom))
    try:
        strings = txt_strings(txt)
    except Exception as e:  # noqa: BLE001
        rec(False, "cannot parse txt: %s" % e)
        return results
    rec(all(len(s.encode()) <= 255 for s in strings),
        "every quoted string <= 255 bytes (lengths %s)" % [len(s) for s in strings])
    t = tags("".join(strings))
    rec(t.get("v") == "DKIM1", "v=DKIM1 (got %r)" % t.get("v"))
    rec(t.get("k") == alg, "k=%s (got %r)" % (alg, t.get("k")))
    try:
        der = openssl_public_der(priv)
    except subprocess.CalledProcessError as e:
        rec(False, "openssl cannot read private key: %s" % e.stderr.decode(errors="replace").strip())
        return results
    if alg == "rsa":
        want = base64.b64encode(der).decode()
        bits = subprocess.run(["openssl", "pkey", "-in", priv, "-noout", "-text"],
                              capture_output=True, check=True).stdout.decode()
        m = re.search(r"(\d+) bit", bits)
        rec(m is not None and m.group(1) == "2048", "RSA key is 2048 bits (got %s)" % (m.group(1) if m else "?"))
    else:
        want = base64.b64encode(der[-32:]).decode()
        rec(len(der) == 44, "Ed25519 SubjectPublicKeyInfo is 44 bytes (got %d)" % len(der))
    rec(t.get("p") == want, "p= equals public half of .private (p=%s..., openssl=%s...)"
        % ((t.get("p") or "")[:24], want[:24]))
    return results


def waitdns(port, name, seconds):
    import dns.message
    import dns.query
    import dns.rdatatype
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            q = dns.message.make_query(name, dns.rdatatype.TXT)
            r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.5)
            if any(rr.rdtype == dns.rdatatype.TXT for rr in r.answer):
                return 0
        except Exception:  # noqa: BLE001 - server not up yet
            pass
        time.sleep(0.1)
    return 1


def dnscheck(port, name, path):
    import dns.message
    import dns.query
    import dns.rdatatype
    want = txt_record(path).encode()
    r = dns.query.udp(dns.message.make_query(name, dns.rdatatype.TXT), "127.0.0.1", port=port, timeout=3)
    got = [b"".join(rr.strings) for rrset in r.answer if rrset.rdtype == dns.rdatatype.TXT for rr in rrset]
    ok = got == [want]
    print("%s dnsmasq serves %s as in %s%s" % ("PASS" if ok else "FAIL", name, os.path.basename(path),
                                              "" if ok else " (got %r)" % got))


def pem_der(path):
    pem = open(path, "rb").read().decode("ascii")
    body = re.search(r"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", pem, re.S).group(1)
    return base64.b64decode("".join(body.split()))


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "freeport":
        print(freeport())
    elif cmd == "txtrecord":
        print(txt_record(argv[1]))
    elif cmd == "dnsmasq-arg":
        print(dnsmasq_arg(argv[1], argv[2]))
    elif cmd == "keycheck":
        for status, what in keycheck(argv[1], argv[2], argv[3]):
            print("%s %s" % (status, what))
    elif cmd == "dnscheck":
        dnscheck(int(argv[1]), argv[2], argv[3])
        print("COUNT")
    elif cmd == "waitdns":
        return waitdns(int(argv[1]), argv[2], float(argv[3]) if len(argv) > 3 else 10.0)
    elif cmd == "rsa-traditional":
        out = subprocess.run(["openssl", "pkey", "-in", argv[1], "-traditional"],
                             check=True, capture_output=True).stdout
        with open(argv[2], "wb") as f:
            f.write(out)
    elif cmd == "ed25519-seed":
        der = pem_der(argv[1])
        with open(argv[2], "wb") as f:
            f.write(base64.b64encode(der[-32:]) + b"\n")
    else:
        sys.stderr.write("unknown subcommand %s\n" % cmd)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
