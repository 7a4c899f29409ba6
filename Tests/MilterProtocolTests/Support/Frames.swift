import MilterProtocol

/// A raw frame: big-endian length (command byte included), command byte, payload.
func frame(_ code: Character, _ payload: [UInt8] = []) -> [UInt8] {
    frame(code.asciiValue!, payload)
}

func frame(_ code: UInt8, _ payload: [UInt8] = []) -> [UInt8] {
    lengthPrefix(UInt32(payload.count + 1)) + [code] + payload
}

func lengthPrefix(_ length: UInt32) -> [UInt8] {
    [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
}

/// `"a", "b"` → `a\0b\0`.
func cstrings(_ strings: String...) -> [UInt8] {
    strings.flatMap { Array($0.utf8) + [0] }
}

func be32(_ value: UInt32) -> [UInt8] { lengthPrefix(value) }

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

/// Every command the MTA can send, with awkward values: 8-bit and folded header values, empty strings,
/// multi-argument MAIL/RCPT, every address family.
let sampleCommands: [MilterCommand] = [
    .optionNegotiation(version: 6, actions: .allKnown, protocolOptions: .allKnown),
    .optionNegotiation(version: 2, actions: MilterActions(rawValue: 0x1FF), protocolOptions: .version2),
    .optionNegotiation(version: 0xFFFF_FFFF, actions: MilterActions(rawValue: 0xFFFF_FFFF), protocolOptions: MilterProtocolOptions(rawValue: 0xFFFF_FFFF)),
    .defineMacros(stage: .connect, macros: [
        MilterMacro(name: "j", value: "mx.example.com"), MilterMacro(name: "{daemon_name}", value: "smtpd"),
        MilterMacro(name: "client_addr", value: "192.0.2.1"), MilterMacro(name: "_", value: ""),
    ]),
    .defineMacros(stage: .mail, macros: [MilterMacro(name: "auth_type", value: "PLAIN"), MilterMacro(name: "i", value: "4XyZ1")]),
    .defineMacros(stage: .bodyEOB, macros: []),
    .defineMacros(stage: .header, macros: [MilterMacro(name: "i", value: "4XyZ1")]),
    .defineMacros(stage: nil, macros: [MilterMacro(name: "x", value: "y")]),
    .connect(hostname: "mail.example.org", address: .inet("192.0.2.1", port: 25)),
    .connect(hostname: "[2001:db8::1]", address: .inet6("2001:db8::1", port: 65535)),
    .connect(hostname: "localhost", address: .unix(path: "/var/run/sock")),
    .connect(hostname: "", address: .unknown),
    .connect(hostname: "localhost", address: .inet("127.0.0.1", port: 0)),
    .helo("client.example.org"),
    .helo(""),
    .mailFrom(["<alice@example.com>"]),
    .mailFrom(["<>", "BODY=8BITMIME", "SIZE=1000", "SMTPUTF8"]),
    .mailFrom(["bob@example.com"]),
    .recipient(["<carol@example.net>"]),
    .recipient(["<dave@example.net>", "NOTIFY=NEVER", "ORCPT=rfc822;dave@example.net"]),
    .recipient(["<jörg@bücher.example>"]),
    .data,
    .header(name: "Subject".bytes, value: " Hello".bytes),
    .header(name: "Subject".bytes, value: [0xC3, 0xA9, 0x74, 0xC3, 0xA9, 0x0A, 0x09, 0x66, 0x6F, 0x6C, 0x64, 0xFF, 0x80]),
    .header(name: "X-Empty".bytes, value: []),
    .header(name: "Received".bytes, value: Array("from a\n\tby b\n\twith ESMTP".utf8)),
    .endOfHeaders,
    .body(Array("Hello\r\nWorld\r\n".utf8)),
    .body([]),
    .body([0, 1, 2, 0xFF, 0, 0x0D, 0x0A]),
    .endOfMessage([]),
    .endOfMessage(Array("tail\r\n".utf8)),
    .abort,
    .quit,
    .quitNewConnection,
    .unknown(Array("XFOO bar".utf8)),
    .unknown([]),
]

/// Every response the filter can send.
let sampleResponses: [MilterResponse] = [
    .optionNegotiation(version: 6, actions: [.addHeaders, .changeHeaders], protocolOptions: [.noReplyConnect, .headerLeadingSpace]),
    .optionNegotiation(version: 2, actions: [], protocolOptions: []),
    .optionNegotiation(version: 6, actions: [.setSymbolList], protocolOptions: [], macroRequests: [
        MilterMacroRequest(stage: .mail, names: ["i", "{auth_type}"]),
        MilterMacroRequest(stage: .connect, names: ["j", "{daemon_name}", "{client_addr}"]),
    ]),
    .continue, .accept, .reject, .tempfail, .discard, .skip, .progress, .shutdown, .connectionFailure,
    .replyCode("550 5.7.1 Command rejected"),
    .replyCode("451-4.7.1 first line\r\n451 4.7.1 second line"),
    .addHeader(name: "Authentication-Results", value: " mx.example.com; dkim=pass"),
    .addHeader(name: "X-Empty", value: ""),
    .insertHeader(index: 0, name: "DKIM-Signature", value: " v=1; a=rsa-sha256;\n\td=example.com; s=sel;"),
    .insertHeader(index: 0xFFFF_FFFF, name: "X-Ünïcode", value: "välue"),
    .changeHeader(index: 1, name: "Subject", value: "changed"),
    .changeHeader(index: 2, name: "X-Delete-Me", value: ""),
    .addRecipient("<new@example.com>"),
    .addRecipientWithParameters("<new@example.com>", parameters: "NOTIFY=NEVER"),
    .addRecipientWithParameters("<new@example.com>", parameters: nil),
    .deleteRecipient("<old@example.com>"),
    .changeSender("<bounce@example.com>", parameters: nil),
    .changeSender("<bounce@example.com>", parameters: "SIZE=100"),
    .replaceBody(Array("new body\r\n".utf8)),
    .replaceBody([]),
    .quarantine(reason: "suspicious"),
]
