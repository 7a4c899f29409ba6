#!/usr/bin/env python3
"""Write a deterministic corpus of awkward e-mail messages for the DKIM oracle harness.

Usage: corpus.py OUTDIR

Every message is a .eml file.  Most use LF line endings, several use CRLF.
Every message has a From header whose address is in oracle.test (display forms vary).
No randomness: large bodies are derived from SHA-256 of a counter.
"""
import hashlib
import os
import sys

DATE = "Date: Tue, 25 Nov 2025 10:00:00 +0000"


def join(lines, eol="\n", final=True):
    """Join text lines (str or bytes) with eol; add a final eol when final is True."""
    out = []
    for line in lines:
        out.append(line.encode("utf-8") if isinstance(line, str) else line)
    e = eol.encode("ascii")
    data = e.join(out)
    if final:
        data += e
    return data


def std_headers(frm="From: Someone <someone@oracle.test>", subject="Subject: corpus message",
                msgid="x", extra=()):
    return [frm, "To: Recipient <rcpt@example.net>", subject, DATE,
            "Message-ID: <%s@oracle.test>" % msgid, *extra]


def big_body(target_bytes):
    """About target_bytes of body, deterministic, varied whitespace (LF endings)."""
    parts = []
    size = 0
    i = 0
    while size < target_bytes:
        h = hashlib.sha256(b"oracle-%d" % i).hexdigest()
        kind = i % 7
        if kind == 0:
            line = "%07d %s" % (i, h)
        elif kind == 1:
            line = "%07d\t%s  %s" % (i, h[:20], h[20:])          # tab and double space
        elif kind == 2:
            line = "%07d %s   " % (i, h[:40])                    # trailing spaces
        elif kind == 3:
            line = ""                                            # blank line
        elif kind == 4:
            line = "  %07d indented %s\t" % (i, h[:32])          # leading ws, trailing tab
        elif kind == 5:
            line = "%07d %s" % (i, (h * 3)[:150])                # longer line
        else:
            line = "%07d caf\u00e9 \u00fcber %s" % (i, h[:16])  # 8-bit UTF-8
        b = line.encode("utf-8") + b"\n"
        parts.append(b)
        size += len(b)
        i += 1
    return b"".join(parts)


def build():
    M = {}

    # --- basics ---------------------------------------------------------------
    M["01_plain_lf"] = join(std_headers(msgid="01") + ["", "Hello,", "", "A plain message.", "-- ", "Someone"])
    M["02_plain_crlf"] = join(std_headers(msgid="02") + ["", "Hello,", "", "A plain CRLF message."], eol="\r\n")

    # --- folded headers -------------------------------------------------------
    M["03_folded_headers_lf"] = join([
        "From: \"Someone, Folded\"",
        "\t<someone@oracle.test>",
        "To: a@example.net,",
        "  b@example.net,",
        "\t c@example.net",
        "Subject: this subject line",
        " is folded over",
        "\tthree lines",
        DATE,
        "Message-ID: <03@oracle.test>",
        "",
        "Body after folded headers.",
    ])
    M["04_folded_headers_crlf"] = join([
        "From: Someone",
        "  <someone@oracle.test>",
        "To: rcpt@example.net",
        "Subject:  \t folded  ",
        "\t  and   spaced   ",
        DATE,
        "Message-ID: <04@oracle.test>",
        "",
        "Body after folded CRLF headers.",
    ], eol="\r\n")

    # --- whitespace runs ------------------------------------------------------
    M["05_whitespace_runs"] = join([
        "From:   Someone    Spaced   <someone@oracle.test>",
        "To:\trcpt@example.net",
        "Subject: many    spaces\t\tand\t tabs  \t",
        DATE,
        "Message-ID: <05@oracle.test>",
        "",
        "word    word\t\tword \t word",
        "   leading spaces",
        "\tleading tab",
        "trailing spaces   ",
        "trailing tab\t",
        "trailing mix \t \t",
    ])
    M["06_trailing_ws_body_crlf"] = join(std_headers(msgid="06") + [
        "", "line one   ", "line two\t", "  ", "\t", "last line \t"], eol="\r\n")

    # --- empty / blank bodies -------------------------------------------------
    M["07_empty_body"] = join(std_headers(msgid="07") + [""])                 # headers, blank line, nothing
    M["08_empty_body_crlf"] = join(std_headers(msgid="08") + [""], eol="\r\n")
    M["09_body_only_blank_lines"] = join(std_headers(msgid="09") + ["", "", "", "", ""])
    M["10_body_only_whitespace_lines"] = join(std_headers(msgid="10") + ["", "   ", "\t", " \t ", ""])
    M["11_trailing_blank_lines"] = join(std_headers(msgid="11") + ["", "text", "", "", "", ""])
    M["12_trailing_blank_lines_crlf"] = join(std_headers(msgid="12") + ["", "text", "", "", ""], eol="\r\n")

    # --- no final newline -----------------------------------------------------
    M["13_no_final_newline"] = join(std_headers(msgid="13") + ["", "first", "last line without newline"], final=False)
    M["14_no_final_newline_crlf"] = join(std_headers(msgid="14") + ["", "text", "end"], eol="\r\n", final=False)
    M["15_no_final_newline_trailing_ws"] = join(std_headers(msgid="15") + ["", "text", "end   \t"], final=False)
    # A header with no blank line after it is refused by dkimctl as not a message (the rule); the
    # nearest valid form, headers + blank line + empty body, is tested instead (dkimctl's own tests cover the refusal).
    M["16_headers_then_empty_body"] = join(std_headers(msgid="16") + [""])

    # --- 8-bit UTF-8 ----------------------------------------------------------
    M["17_utf8_header_body"] = join([
        "From: J\u00fcrgen M\u00fcller <juergen@oracle.test>",
        "To: Ren\u00e9e <renee@example.net>",
        "Subject: Gr\u00fc\u00dfe aus K\u00f6ln \u2014 \u65e5\u672c\u8a9e",
        DATE,
        "Message-ID: <17@oracle.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Gr\u00fc\u00dfe, na\u00efve caf\u00e9 \u2603 \U0001F600",
        "\u041f\u0440\u0438\u0432\u0435\u0442  \u043c\u0438\u0440",
    ])

    # --- long lines -----------------------------------------------------------
    M["18_long_body_line"] = join(std_headers(msgid="18") + [
        "", "short", ("0123456789abcdef" * 313)[:5000], "after"])
    hdr = "X-Long-Header: " + ("abcdefghij" * 100)
    hdr = hdr[:990]
    M["19_long_header_line"] = join(std_headers(msgid="19", extra=[hdr]) + ["", "body"])

    # --- duplicate headers, odd case, odd syntax --------------------------------
    M["20_duplicate_headers"] = join([
        "Received: from a.example.net by b.example.net; " + DATE[6:],
        "Received: from c.example.net by a.example.net; " + DATE[6:],
        "From: Someone <someone@oracle.test>",
        "To: one@example.net",
        "To: two@example.net",
        "Subject: first subject",
        "Subject: second subject",
        DATE,
        "Message-ID: <20@oracle.test>",
        "",
        "duplicates above",
    ])
    M["21_odd_header_case"] = join([
        "fROM: someone@oracle.test",
        "tO: rcpt@example.net",
        "SUBJECT: Odd Case",
        "date: " + DATE[6:],
        "MESSAGE-ID: <21@oracle.test>",
        "",
        "odd case header names",
    ])
    M["22_no_space_after_colon"] = join([
        "From:<someone@oracle.test>",
        "To:rcpt@example.net",
        "Subject:nospace",
        DATE,
        "Message-ID:<22@oracle.test>",
        "",
        "body",
    ])
    M["23_empty_header_value"] = join([
        "From: Someone <someone@oracle.test>",
        "To: rcpt@example.net",
        "Subject:",
        "X-Empty:",
        "X-Empty-Space: ",
        DATE,
        "Message-ID: <23@oracle.test>",
        "",
        "empty header values above",
    ])
    M["24_value_starts_on_continuation"] = join([
        "From:",
        " Someone <someone@oracle.test>",
        "To:\trcpt@example.net",
        "Subject:",
        "\tvalue only on the continuation line",
        DATE,
        "Message-ID: <24@oracle.test>",
        "",
        "body",
    ])

    # --- MIME -----------------------------------------------------------------
    M["25_multipart_alternative"] = join([
        "From: \"Someone\" <someone@oracle.test>",
        "To: rcpt@example.net",
        "Subject: multipart",
        DATE,
        "Message-ID: <25@oracle.test>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative;",
        "\tboundary=\"=_boundary_42\"",
        "",
        "This is a multi-part message in MIME format.",
        "",
        "--=_boundary_42",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: 7bit",
        "",
        "plain text part  ",
        "",
        "--=_boundary_42",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<html><body><p>html   part</p>\t</body></html>",
        "",
        "--=_boundary_42--",
        "",
    ])
    M["26_multipart_crlf"] = join([
        "From: someone@oracle.test (Someone)",
        "To: rcpt@example.net",
        "Subject: multipart crlf",
        DATE,
        "Message-ID: <26@oracle.test>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=XYZ",
        "",
        "--XYZ",
        "Content-Type: text/plain",
        "",
        "part one",
        "--XYZ",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v",
        "--XYZ--",
    ], eol="\r\n")
    M["27_quoted_printable"] = join([
        "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@oracle.test>",
        "To: rcpt@example.net",
        "Subject: =?UTF-8?B?R3LDvMOfZQ==?=",
        DATE,
        "Message-ID: <27@oracle.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Gr=C3=BC=C3=9Fe, this is a soft-broken line that goes on and on and on =",
        "and continues here. Trailing space encoded=20",
        "Equals sign =3D and tab=09",
    ])
    M["28_content_type_continuation"] = join([
        "From: Someone <someone@oracle.test>",
        "To: rcpt@example.net",
        "Subject: continuation params",
        DATE,
        "Message-ID: <28@oracle.test>",
        "MIME-Version: 1.0",
        "Content-Type: application/octet-stream;",
        " name*0=\"a-very-long-file-name-\";",
        " name*1=\"that-continues.bin\";",
        "\tname*2*=utf-8''%C3%BC.txt",
        "Content-Disposition: attachment;",
        "  filename*=utf-8''caf%C3%A9.bin",
        "Content-Transfer-Encoding: base64",
        "",
        "aGVsbG8gd29ybGQK",
    ])

    # --- big and odd bytes ----------------------------------------------------
    M["29_big_5mb"] = join(std_headers(msgid="29", subject="Subject: five megabytes")) + b"\n" + big_body(5 * 1024 * 1024)
    M["30_lone_cr_body_crlf"] = join(std_headers(msgid="30") + [
        "", "line with a lone\rcarriage return", "ends with lone cr\r", "normal"], eol="\r\n")
    M["31_display_name_forms"] = join([
        "From: \"Some \\\"Quoted\\\" One\" <someone@oracle.test>",
        "Sender: someone+tag@oracle.test",
        "Reply-To: Group: a@oracle.test, b@oracle.test;",
        "To: undisclosed-recipients:;",
        "Subject: display forms",
        DATE,
        "Message-ID: <31@oracle.test>",
        "",
        "body",
    ])
    M["32_many_headers_crlf"] = join(
        ["Received: from hop%d.example.net by hop%d.example.net; %s" % (i, i + 1, DATE[6:]) for i in range(20)]
        + std_headers(msgid="32", extra=["X-Mailer: corpus.py", "List-Id: <list.oracle.test>",
                                         "Cc: cc@example.net", "In-Reply-To: <0@oracle.test>",
                                         "References: <0@oracle.test>"])
        + ["", "many headers"], eol="\r\n")
    M["33_blank_lines_inside_body"] = join(std_headers(msgid="33") + [
        "", "", "", "starts after blank lines", "", "", "middle", "", "", "end"])
    M["34_dot_and_from_lines"] = join(std_headers(msgid="34") + [
        "", ".", "..", "From the start of a line", ">From quoted", ". leading dot"])
    M["35_header_trailing_ws_crlf"] = join([
        "From: Someone <someone@oracle.test>   ",
        "To: rcpt@example.net\t",
        "Subject: trailing whitespace \t ",
        DATE,
        "Message-ID: <35@oracle.test>",
        "",
        "body",
    ], eol="\r\n")
    M["36_single_body_line_no_eol_crlf_ws"] = join(std_headers(msgid="36") + ["", "   "], eol="\r\n", final=False)
    return M


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: corpus.py OUTDIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    msgs = build()
    for name, data in sorted(msgs.items()):
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(data)
    print(len(msgs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
