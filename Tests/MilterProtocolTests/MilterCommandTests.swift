import MilterProtocol
import XCTest

final class MilterCommandTests: XCTestCase {
    func testEveryCommandCodeIsCoveredBySamples() {
        let covered = Set(sampleCommands.map(\.code))
        XCTAssertEqual(covered, Set(MilterCommandCode.allCases))
    }

    func testRoundTripEveryCommand() throws {
        for command in sampleCommands {
            var parser = MilterFrameParser()
            parser.feed(command.encoded)
            XCTAssertEqual(try parser.nextCommand(), command)
            XCTAssertEqual(parser.bufferedByteCount, 0)
            XCTAssertNil(try parser.nextCommand())
        }
    }

    func testRoundTripAllCommandsConcatenated() throws {
        var bytes: [UInt8] = []
        for command in sampleCommands { command.encode(into: &bytes) }
        var parser = MilterFrameParser()
        parser.feed(bytes)
        var decoded: [MilterCommand] = []
        while let command = try parser.nextCommand() { decoded.append(command) }
        XCTAssertEqual(decoded, sampleCommands)
    }

    /// Exact bytes for the shapes Postfix's milter8.c writes.
    func testWireFormat() {
        XCTAssertEqual(MilterCommand.optionNegotiation(version: 6, actions: MilterActions(rawValue: 0x1FF), protocolOptions: MilterProtocolOptions(rawValue: 0x1FFFFF)).encoded,
                       [0, 0, 0, 13, 0x4F, 0, 0, 0, 6, 0, 0, 1, 0xFF, 0, 0x1F, 0xFF, 0xFF])
        XCTAssertEqual(MilterCommand.connect(hostname: "h", address: .inet("1.2.3.4", port: 25)).encoded,
                       frame("C", cstrings("h") + [0x34, 0, 25] + cstrings("1.2.3.4")))
        XCTAssertEqual(MilterCommand.connect(hostname: "h", address: .unknown).encoded, frame("C", cstrings("h") + [0x55]))
        XCTAssertEqual(MilterCommand.defineMacros(stage: .connect, macros: [MilterMacro(name: "j", value: "x"), MilterMacro(name: "daemon_name", value: "d")]).encoded,
                       frame("D", [0x43] + cstrings("j", "x", "{daemon_name}", "d")))
        XCTAssertEqual(MilterCommand.defineMacros(stage: nil, macros: []).encoded, frame("D", [0]))
        XCTAssertEqual(MilterCommand.header(name: "To".bytes, value: " a".bytes).encoded, frame("L", cstrings("To", " a")))
        XCTAssertEqual(MilterCommand.endOfMessage([]).encoded, [0, 0, 0, 1, 0x45])
        XCTAssertEqual(MilterCommand.quit.encoded, [0, 0, 0, 1, 0x51])
    }

    func testMacroNamesLoseTheirBraces() throws {
        var parser = MilterFrameParser()
        parser.feed(frame("D", [0x4D] + cstrings("{auth_type}", "PLAIN", "{i}", "Q1", "{}", "e", "{x", "y")))
        let command = try parser.nextCommand()
        XCTAssertEqual(command, .defineMacros(stage: .mail, macros: [
            MilterMacro(name: "auth_type", value: "PLAIN"), MilterMacro(name: "i", value: "Q1"),
            MilterMacro(name: "", value: "e"), MilterMacro(name: "{x", value: "y"),
        ]))
        guard case .defineMacros(_, let macros) = command else { return XCTFail() }
        XCTAssertEqual(macros.map(\.name), ["auth_type", "i", "", "{x"])
    }

    func testDecodingFixtures() {
        let fixtures: [ParseFixture<MilterCommand>] = [
            // Option negotiation: 12 bytes; extra bytes ignored as libmilter does; fewer is an error.
            ParseFixture(frame("O", be32(2) + be32(0x3F) + be32(0x7F)), expected: .success(.optionNegotiation(version: 2, actions: .version2, protocolOptions: .version2))),
            ParseFixture(frame("O", be32(6) + be32(0x1FF) + be32(0x1FFFFF) + [1, 2, 3]), expected: .success(.optionNegotiation(version: 6, actions: .allKnown, protocolOptions: .allKnown))),
            ParseFixture(frame("O", be32(6) + be32(0x1FF) + [0, 0, 0]), expected: .failure),
            ParseFixture(frame("O"), expected: .failure),
            // Connect.
            ParseFixture(frame("C", cstrings("host") + [0x36, 0x01, 0xBB] + cstrings("::1")), expected: .success(.connect(hostname: "host", address: .inet6("::1", port: 443)))),
            ParseFixture(frame("C", cstrings("host") + [0x55, 9, 9, 9]), expected: .success(.connect(hostname: "host", address: .unknown))),
            ParseFixture(frame("C", cstrings("host") + [0x4C, 0, 0] + cstrings("/tmp/s")), expected: .success(.connect(hostname: "host", address: .unix(path: "/tmp/s")))),
            ParseFixture(frame("C", cstrings("host") + [0x58, 0, 25] + cstrings("1.2.3.4")), expected: .failure),  // family 'X'
            ParseFixture(frame("C", cstrings("host") + [0x34, 0, 25] + Array("1.2.3.4".utf8)), expected: .failure),  // no NUL
            ParseFixture(frame("C", cstrings("host") + [0x34, 0]), expected: .failure),  // short port
            ParseFixture(frame("C", cstrings("host") + [0x34, 0, 25] + cstrings("1.2.3.4") + [7]), expected: .failure),
            ParseFixture(frame("C", cstrings("host")), expected: .failure),  // no family
            ParseFixture(frame("C", Array("host".utf8)), expected: .failure),
            // HELO, MAIL, RCPT.
            ParseFixture(frame("H", cstrings("ehlo.example")), expected: .success(.helo("ehlo.example"))),
            ParseFixture(frame("H", Array("ehlo".utf8)), expected: .failure),
            ParseFixture(frame("H", cstrings("a", "b")), expected: .failure),
            ParseFixture(frame("H"), expected: .failure),
            ParseFixture(frame("M", cstrings("<a@b>", "SIZE=1")), expected: .success(.mailFrom(["<a@b>", "SIZE=1"]))),
            ParseFixture(frame("M", cstrings("<a@b>") + Array("SIZE".utf8)), expected: .failure),
            ParseFixture(frame("M"), expected: .failure),
            ParseFixture(frame("R", cstrings("<c@d>")), expected: .success(.recipient(["<c@d>"]))),
            ParseFixture(frame("R"), expected: .failure),
            // Headers: both NULs required, non-empty name.
            ParseFixture(frame("L", cstrings("From", " a@b")), expected: .success(.header(name: "From".bytes, value: " a@b".bytes))),
            ParseFixture(frame("L", cstrings("From") + Array(" a@b".utf8)), expected: .failure),
            ParseFixture(frame("L", cstrings("From")), expected: .failure),
            ParseFixture(frame("L", cstrings("", "v")), expected: .failure),
            ParseFixture(frame("L", cstrings("A", "b", "c")), expected: .failure),
            // Macros: pairs of strings after the stage byte.
            ParseFixture(frame("D", [0x43]), expected: .success(.defineMacros(stage: .connect, macros: []))),
            ParseFixture(frame("D", [0x4C] + cstrings("i", "Q")), expected: .success(.defineMacros(stage: .header, macros: [MilterMacro(name: "i", value: "Q")]))),
            ParseFixture(frame("D", [0x7A] + cstrings("i", "Q")), expected: .success(.defineMacros(stage: nil, macros: [MilterMacro(name: "i", value: "Q")]))),
            ParseFixture(frame("D"), expected: .failure),
            ParseFixture(frame("D", [0x43] + cstrings("j")), expected: .failure),
            ParseFixture(frame("D", [0x43] + cstrings("j") + Array("x".utf8)), expected: .failure),
            // Body and end of message: raw bytes.
            ParseFixture(frame("B", [0, 0, 0]), expected: .success(.body([0, 0, 0]))),
            ParseFixture(frame("E"), expected: .success(.endOfMessage([]))),
            ParseFixture(frame("E", [0x41]), expected: .success(.endOfMessage([0x41]))),
            // No-argument commands ignore a payload, as libmilter does.
            ParseFixture(frame("T"), expected: .success(.data)),
            ParseFixture(frame("N", [1]), expected: .success(.endOfHeaders)),
            ParseFixture(frame("A"), expected: .success(.abort)),
            ParseFixture(frame("Q"), expected: .success(.quit)),
            ParseFixture(frame("K"), expected: .success(.quitNewConnection)),
            // Unknown SMTP command: one string.
            ParseFixture(frame("U", cstrings("VRFY x")), expected: .success(.unknown("VRFY x".bytes))),
            ParseFixture(frame("U", Array("VRFY".utf8)), expected: .failure),
            // Unknown command bytes and lowercase lookalikes.
            ParseFixture(frame("Z"), expected: .failure),
            ParseFixture(frame("c"), expected: .failure),
            ParseFixture(frame(0), expected: .failure),
            // Incomplete input.
            ParseFixture([], expected: .incompleteMessage),
            ParseFixture([0, 0, 0], expected: .incompleteMessage),
            ParseFixture([0, 0, 0, 2], expected: .incompleteMessage),
            ParseFixture([0, 0, 0, 2, 0x48], expected: .incompleteMessage),
            ParseFixture(Array(frame("H", cstrings("abc")).dropLast()), expected: .incompleteMessage),
            // Bad lengths.
            ParseFixture([0, 0, 0, 0], expected: .failure),
            ParseFixture([0x80, 0, 0, 0], expected: .failure),
        ]
        for fixture in fixtures { fixture.check() }
    }

    func testInvalidUTF8IsRepairedInStringsButKeptInHeaders() throws {
        var parser = MilterFrameParser()
        parser.feed(frame("H", [0x61, 0xFF, 0x62, 0]))
        parser.feed(frame("L", [0x58, 0] + [0xFF, 0xFE, 0]))
        XCTAssertEqual(try parser.nextCommand(), .helo("a\u{FFFD}b"))
        XCTAssertEqual(try parser.nextCommand(), .header(name: [0x58], value: [0xFF, 0xFE]))
    }

    func testErrorsCarryTheStreamOffset() {
        var parser = MilterFrameParser()
        let good = frame("H", cstrings("x"))
        // The bad frame: length, 'C', "h\0", then family 'X' at payload offset 2.
        parser.feed(good + frame("C", cstrings("h") + [0x58]))
        XCTAssertEqual(try parser.nextCommand(), .helo("x"))
        XCTAssertThrowsError(try parser.nextCommand()) { error in
            let error = error as! MilterProtocolError
            XCTAssertEqual(error, .malformed(command: 0x43, hint: ""))
            XCTAssertEqual(error.offset, good.count + 5 + 2)
            XCTAssertTrue(error.description.contains("address family"), error.description)
        }
    }

    func testDecodingThroughThePublicInitializer() throws {
        XCTAssertEqual(try MilterCommand(code: 0x48, payload: cstrings("x")[...]), .helo("x"))
        XCTAssertThrowsError(try MilterCommand(code: 0x5A, payload: [])) { error in
            XCTAssertEqual(error as? MilterProtocolError, .unknownCommand(0x5A))
        }
    }
}
