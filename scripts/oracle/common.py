"""Shared helpers for the oracle harness (dkimpy side)."""
import os
import re

import dns.message
import dns.query
import dns.rdatatype


#: the signing domain (d=); run.sh exports ORACLE_DOMAIN
DOMAIN = os.environ.get("ORACLE_DOMAIN", "oracle.test")


def make_dnsfunc(port, host="127.0.0.1"):
    """A dkimpy dnsfunc (name: bytes, timeout) -> bytes|None that asks only our dnsmasq."""
    cache = {}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        if name in cache:
            return cache[name]
        q = dns.message.make_query(name, dns.rdatatype.TXT)
        r = dns.query.udp(q, host, port=port, timeout=timeout)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, host, port=port, timeout=timeout)
        txt = None
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                txt = b"".join(list(rrset.items)[0].strings)
                break
        cache[name] = txt
        return txt

    return dnsfunc


def eol_of(data):
    """b'\\r\\n' if the first line of data ends in CRLF, else b'\\n'."""
    i = data.find(b"\n")
    if i > 0 and data[i - 1:i] == b"\r":
        return b"\r\n"
    return b"\n"


def split_message(data):
    """Return (header_block, separator_and_body) split at the first empty line.

    header_block includes the line ending of the last header line; the remainder starts with the
    empty line (or is empty when the message has no header/body separator)."""
    m = re.search(rb"\r?\n\r?\n", data)
    if m is None:
        return data, b""
    first_eol_end = m.start() + (2 if data[m.start():m.start() + 2] == b"\r\n" else 1)
    return data[:first_eol_end], data[first_eol_end:]


def header_fields(header_block):
    """Split a header block into a list of raw fields (each with its continuation lines and EOLs)."""
    lines = re.findall(rb"[^\n]*\n|[^\n]+$", header_block)
    fields = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def _bump_letter(b):
    if 0x61 <= b <= 0x7a:
        return 0x61 + (b - 0x61 + 1) % 26
    return 0x41 + (b - 0x41 + 1) % 26


def _bump_first_letter(raw, start=0):
    for i in range(start, len(raw)):
        c = raw[i]
        if 0x41 <= c <= 0x5a or 0x61 <= c <= 0x7a:
            return raw[:i] + bytes([_bump_letter(c)]) + raw[i + 1:]
    return None


def _find_field(fields, name, last=False):
    idx = [i for i, f in enumerate(fields) if f.split(b":", 1)[0].strip().lower() == name]
    if not idx:
        return None
    return idx[-1] if last else idx[0]


def tamper_header(data):
    """Change one letter in the value of the last Subject (or, lacking letters there, From)."""
    hb, rest = split_message(data)
    fields = header_fields(hb)
    for name, last in ((b"subject", True), (b"from", False)):
        i = _find_field(fields, name, last)
        if i is None:
            continue
        colon = fields[i].index(b":")
        new = _bump_first_letter(fields[i], colon + 1)
        if new is not None:
            fields[i] = new
            return b"".join(fields) + rest, "letter changed in %s" % name.decode()
    return None, "no letter in Subject/From"


def tamper_header_whitespace(data):
    """Insert spaces right after the colon of From (relaxed header must still pass)."""
    hb, rest = split_message(data)
    fields = header_fields(hb)
    i = _find_field(fields, b"from")
    if i is None:
        return None, "no From"
    colon = fields[i].index(b":")
    fields[i] = fields[i][:colon + 1] + b"  \t" + fields[i][colon + 1:]
    return b"".join(fields) + rest, "whitespace after From colon"


def _body_lines(rest):
    """Yield (offset, line_without_eol, terminated) for each body line in rest (offsets into rest)."""
    # rest starts with the separator empty line
    m = re.match(rb"\r?\n", rest)
    if not m:
        return
    pos = m.end()
    while pos < len(rest):
        nl = rest.find(b"\n", pos)
        if nl < 0:
            yield pos, rest[pos:], False
            return
        end = nl - 1 if nl > pos and rest[nl - 1:nl] == b"\r" else nl
        yield pos, rest[pos:end], True
        pos = nl + 1


def tamper_body(data):
    """Change one letter in the body; append a line if the body has no letters."""
    hb, rest = split_message(data)
    for off, line, _ in _body_lines(rest):
        new = _bump_first_letter(line)
        if new is not None:
            return hb + rest[:off] + new + rest[off + len(line):], "letter changed in body"
    eol = eol_of(data)
    if not rest:
        rest = eol
    return hb + rest + b"tampered" + eol, "line appended to letterless body"


def tamper_body_space_inside(data):
    """Insert a space after the first visible character of the first terminated line that has
    two visible characters (changes the body under simple; a new WSP run under relaxed would too
    only if no whitespace follows, so this is used for simple only)."""
    hb, rest = split_message(data)
    for off, line, terminated in _body_lines(rest):
        m = re.search(rb"[^ \t\r]", line)
        if terminated and m:
            i = off + m.end()
            return hb + rest[:i] + b" " + rest[i:], "space inserted inside a body line"
    return None, "no visible body text"


def tamper_body_trailing_space(data):
    """Add a space before the line ending of the first terminated body line with visible text
    (relaxed body must still pass; simple body must fail)."""
    hb, rest = split_message(data)
    for off, line, terminated in _body_lines(rest):
        if terminated and re.search(rb"[^ \t\r]", line):
            i = off + len(line)
            return hb + rest[:i] + b" " + rest[i:], "trailing space added to a body line"
    return None, "no terminated body line with text"


def parse_tags(value):
    out = {}
    for part in value.split(b";"):
        part = part.strip()
        if not part:
            continue
        k, _, v = part.partition(b"=")
        out[k.strip()] = re.sub(rb"\s+", b"", v)
    return out


def canon_pair(c):
    """Normalize a c= value to (header, body)."""
    c = (c or b"simple/simple").lower()
    if b"/" not in c:
        c += b"/simple"
    h, b = c.split(b"/", 1)
    return h, b


def dkimpy_relaxed_quirk(data):
    """dkimpy 1.1.x does not strip trailing WSP from an unterminated last body line under relaxed
    body canonicalization (RFC 6376 3.4.4 does; Mail::DKIM does), so its bh= differs."""
    _, rest = split_message(data)
    if not rest or data.endswith(b"\n"):
        return False
    return data.rstrip(b"\r")[-1:] in (b" ", b"\t")
