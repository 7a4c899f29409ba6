#!/usr/bin/env python3
"""Writes the seed corpora in scripts/fuzz/corpus/TARGET/ (committed; rerun after changing this file).

Run from the repository root: python3 scripts/fuzz/make-seeds.py
"""
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "scripts", "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# RFC 8463 §A.3 message and keys (the test vectors of Tests/DKIMTests).
eml = read("Tests/DKIMTests/Vectors/rfc8463-signed.eml")
head, _, body = eml.partition(b"\r\n\r\n")
fields = re.split(rb"\r\n(?![ \t])", head)
signatures = [f for f in fields if f.lower().startswith(b"dkim-signature:")]
keys = {}
for line in read("Tests/DKIMTests/Vectors/rfc8463-keys.txt").decode().splitlines():
    name, _, record = line.partition(" ")
    keys[name.split(".")[0]] = record

# --- FuzzMilterCodec: MTA -> filter byte streams (4-byte length, command byte, payload) ---
def frame(code, payload=b""):
    return struct.pack(">I", len(payload) + 1) + code.encode() + payload


def z(*strings):
    return b"".join(s.encode() + b"\0" for s in strings)


def optneg(version=6, actions=0x1FF, options=0x1FFFFF):
    return frame("O", struct.pack(">III", version, actions, options))


def session(version, options, header_values):
    s = optneg(version, 0x1FF, options)
    s += frame("D", b"C" + z("j", "mx.example.org", "{daemon_name}", "smtpd", "v", "Postfix 3.7.11"))
    s += frame("C", z("client.example.com") + b"4" + struct.pack(">H", 40000) + z("192.0.2.10"))
    s += frame("H", z("client.example.com"))
    s += frame("D", b"M" + z("{auth_authen}", "alice", "i", "4ABC123"))
    s += frame("M", z("<joe@football.example.com>", "BODY=8BITMIME", "SIZE=300"))
    s += frame("R", z("<suzie@shopping.example.net>"))
    s += frame("T")
    for f in fields:
        name, _, value = f.partition(b":")
        s += frame("L", name + b"\0" + header_values(value) + b"\0")
    s += frame("N")
    s += frame("B", body)
    s += frame("E")
    return s


postfix6 = session(6, 0x1FFFFF, lambda v: v.replace(b"\r\n", b"\n"))
write("FuzzMilterCodec", "postfix-protocol6-session", postfix6 + frame("A") + frame("Q"))
write("FuzzMilterCodec", "protocol2-session", session(2, 0x7F, lambda v: v.lstrip(b" ")) + frame("Q"))
write("FuzzMilterCodec", "two-messages-quit-nc",
      postfix6 + frame("A") + frame("M", z("<b@example.com>")) + frame("L", z("From", " b@example.com"))
      + frame("N") + frame("E", b"tail\r\n") + frame("K") + frame("C", z("localhost") + b"U" + z("/run/x.sock")))
write("FuzzMilterCodec", "ipv6-unknown-abort",
      optneg() + frame("C", z("[2001:db8::1]") + b"6" + struct.pack(">H", 25) + z("2001:db8::1"))
      + frame("U", z("XCLIENT NAME=x")) + frame("A") + frame("Q"))
write("FuzzMilterCodec", "optneg-only", optneg())

# --- FuzzTagList: DKIM-Signature values and tag lists ---
for i, sig in enumerate(signatures):
    write("FuzzTagList", f"rfc8463-signature-{i}", sig.partition(b":")[2])
write("FuzzTagList", "rfc6376-example",
      " v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n c=simple; q=dns/txt; i=@eng.example.net;\r\n"
      " t=1117574938; x=1118006938; l=200;\r\n h=from:to:subject:date;\r\n z=From:foo@eng.example.net|To:joe@example.com|\r\n"
      "  Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700;\r\n"
      " bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;\r\n b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR")
write("FuzzTagList", "empty-values", "v=1;a=;b=;;  ")

# --- FuzzKeyRecord: TXT records ---
for name, record in keys.items():
    write("FuzzKeyRecord", f"rfc8463-{name}", record)
mail_txt = read("keys-example/keys/example.com/mail.txt").decode()
write("FuzzKeyRecord", "keys-example-mail", "".join(re.findall(r'"([^"]*)"', mail_txt)))
write("FuzzKeyRecord", "revoked", "v=DKIM1; k=rsa; p=")
write("FuzzKeyRecord", "all-tags", "v=DKIM1; h=sha1:sha256; k=rsa; n=notes; s=email:*; t=y:s; p=" + keys["test"].split("p=")[1])

# --- FuzzConfig: opendkim.conf text and tables ---
write("FuzzConfig", "keys-example-opendkim.conf", read("keys-example/opendkim.conf"))
write("FuzzConfig", "setup-guide.conf",
      "Syslog yes\nSyslogSuccess yes\nLogWhy yes\nCanonicalization relaxed/simple\nMode sv\nSubDomains no\n"
      "OversignHeaders From\nAutoRestart yes\nAutoRestartRate 10/1M\nBackground yes\nDNSTimeout 5\n"
      "SignatureAlgorithm rsa-sha256\nUserID opendkim\nUMask 007\nSocket inet:12301@localhost\n"
      "PidFile /run/opendkim/opendkim.pid\nTrustAnchorFile /usr/share/dns/root.key\n"
      "ExternalIgnoreList refile:/etc/opendkim/TrustedHosts\nInternalHosts refile:/etc/opendkim/TrustedHosts\n"
      "KeyTable refile:/etc/opendkim/KeyTable\nSigningTable refile:/etc/opendkim/SigningTable\n")
write("FuzzConfig", "single-key.conf",
      "Domain example.com, example.org\nSelector mail\nKeyFile /etc/opendkim/mail.private\n"
      "InternalHosts 127.0.0.1, ::1, 192.168.0.0/16, !192.168.1.1, *.example.com\n"
      "Nameservers 127.0.0.1@5353\nMinimumKeyBits 1024\nMacroList daemon_name=ORIGINATING\n")
write("FuzzConfig", "KeyTable", read("keys-example/KeyTable"))
write("FuzzConfig", "SigningTable", read("keys-example/SigningTable"))
write("FuzzConfig", "TrustedHosts", read("keys-example/TrustedHosts"))

# --- FuzzCanonicalization: header fields with folding, bodies ---
for i, f in enumerate(fields):
    write("FuzzCanonicalization", f"rfc8463-header-{i}", f)
write("FuzzCanonicalization", "folded-lf-tabs", b"Subject :\t hello \n\t  world\t \n  again  ")
write("FuzzCanonicalization", "body-rfc8463", b"\x07" + body)
write("FuzzCanonicalization", "body-trailing-blank-lines", b"\x10 line one \t\r\n\r\n  \r\n\r\n\n\r\r\n")
