import MilterProtocol
import XCTest

final class MilterResponseTests: XCTestCase {
    func testEveryResponseCodeIsCoveredBySamples() {
        let covered = Set(sampleResponses.map(\.wireCode))
        var expected = Set(MilterResponseCode.allCases.map(\.rawValue))
        expected.remove(MilterResponseCode.setSymbolList.rawValue)  // travels inside the OPTNEG answer
        expected.insert(MilterCommandCode.optionNegotiation.rawValue)
        XCTAssertEqual(covered, expected)
    }

    func testRoundTripEveryResponse() throws {
        for response in sampleResponses {
            var parser = MilterResponseParser()
            parser.feed(response.encoded)
            XCTAssertEqual(try parser.nextResponse(), response)
            XCTAssertEqual(parser.bufferedByteCount, 0)
        }
        var parser = MilterResponseParser()
        parser.feed(sampleResponses.encoded)
        var decoded: [MilterResponse] = []
        while let response = try parser.nextResponse() { decoded.append(response) }
        XCTAssertEqual(decoded, sampleResponses)
    }

    /// The bytes libmilter writes, which Postfix reads.
    func testWireFormat() {
        XCTAssertEqual(MilterResponse.continue.encoded, [0, 0, 0, 1, 0x63])
        XCTAssertEqual(MilterResponse.optionNegotiation(version: 6, actions: [.addHeaders, .changeHeaders], protocolOptions: [.headerLeadingSpace]).encoded,
                       frame("O", be32(6) + be32(0x11) + be32(0x100000)))
        XCTAssertEqual(MilterResponse.insertHeader(index: 0, name: "DKIM-Signature", value: " v=1").encoded,
                       frame("i", be32(0) + cstrings("DKIM-Signature", " v=1")))
        XCTAssertEqual(MilterResponse.changeHeader(index: 1, name: "X", value: "").encoded, frame("m", be32(1) + cstrings("X", "")))
        XCTAssertEqual(MilterResponse.replyCode("550 5.7.1 no").encoded, frame("y", cstrings("550 5.7.1 no")))
        XCTAssertEqual(MilterResponse.optionNegotiation(version: 6, actions: [.setSymbolList], protocolOptions: [], macroRequests: [MilterMacroRequest(stage: .mail, names: ["i", "{auth_type}"])]).encoded,
                       frame("O", be32(6) + be32(0x100) + be32(0) + be32(2) + cstrings("i {auth_type}")))
    }

    func testDecodingFixtures() {
        let fixtures: [ParseFixture<MilterResponse>] = [
            ParseFixture(frame("c"), expected: .success(.continue)),
            ParseFixture(frame("c", [0]), expected: .failure),  // Postfix: "reply was followed by data"
            ParseFixture(frame("y", cstrings("451 4.7.1 later")), expected: .success(.replyCode("451 4.7.1 later"))),
            ParseFixture(frame("y", Array("451".utf8)), expected: .failure),
            ParseFixture(frame("h", cstrings("X", "v")), expected: .success(.addHeader(name: "X", value: "v"))),
            ParseFixture(frame("h", cstrings("X")), expected: .failure),
            ParseFixture(frame("i", be32(3) + cstrings("X", "v")), expected: .success(.insertHeader(index: 3, name: "X", value: "v"))),
            ParseFixture(frame("i", [0, 0, 3] ), expected: .failure),
            ParseFixture(frame("e", cstrings("<a@b>")), expected: .success(.changeSender("<a@b>", parameters: nil))),
            ParseFixture(frame("e", cstrings("<a@b>", "X=1", "Y")), expected: .failure),
            ParseFixture(frame("O", be32(6) + be32(0) + be32(0) + be32(9) + cstrings("i")), expected: .failure),  // stage 9
            ParseFixture(frame("O", be32(6) + be32(0)), expected: .failure),
            ParseFixture(frame("l"), expected: .failure),
            ParseFixture(frame("z"), expected: .failure),
            ParseFixture(frame("C"), expected: .failure),
            ParseFixture([0, 0, 0, 5, 0x69], expected: .incompleteMessage),
        ]
        for fixture in fixtures { fixture.check() }
    }
}
