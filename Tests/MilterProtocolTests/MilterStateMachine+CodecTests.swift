import MilterProtocol
import XCTest

/// The machine driven through both codecs in memory: an MTA script is encoded to bytes, fed to the filter
/// side in small pieces, and the filter's answers are decoded on the MTA side [swift-nio-ssh
/// `assertSuccessfulConnection`].
final class MilterStateMachineCodecTests: XCTestCase {
    func testPostfixSessionThroughTheCodecs() throws {
        for offer in [PostfixOffer.version2, PostfixOffer.version6] {
            var script = [offer] + postfixConnect
            script += postfixMessage(queueID: "A1", authType: "PLAIN")
            script += [.abort]
            script += postfixMessage(queueID: "B2")
            script += [.quit]

            var toFilter = MilterFrameParser()
            var toMTA = MilterResponseParser()
            var machine = MilterStateMachine(configuration: .init(actions: [.addHeaders, .changeHeaders], skippedSteps: [.noHelo]))
            var answers: [MilterResponse] = []
            var signedQueueIDs: [String] = []
            var closed = false

            for command in script {
                // The MTA writes one command, in 3-byte pieces.
                let bytes = command.encoded
                for start in stride(from: 0, to: bytes.count, by: 3) {
                    toFilter.feed(bytes[start..<min(bytes.count, start + 3)])
                    while let decoded = try toFilter.nextCommand() {
                        var outgoing: [MilterResponse] = []
                        switch machine.receive(decoded) {
                        case .send(let responses):
                            outgoing = responses
                        case .deliver(let events, let replyExpected):
                            var reply: [MilterResponse] = [.continue]
                            if events.last == .endOfMessage {
                                let queueID = try XCTUnwrap(machine.macro("i"))
                                signedQueueIDs.append(queueID)
                                let leadingSpace = machine.negotiated!.headerLeadingSpace ? " " : ""
                                reply = [.insertHeader(index: 0, name: "DKIM-Signature", value: leadingSpace + "v=1; i=\(queueID)"), .continue]
                            }
                            if replyExpected, case .send(let responses) = machine.reply(reply) { outgoing = responses }
                        case .close(let reason):
                            XCTAssertEqual(reason, .quit)
                            closed = true
                        case .ignore:
                            break
                        }
                        toMTA.feed(outgoing.encoded)
                    }
                }
            }
            while let response = try toMTA.nextResponse() { answers.append(response) }

            XCTAssertTrue(closed)
            XCTAssertEqual(signedQueueIDs, ["A1", "B2"])
            guard case .optionNegotiation(let version, _, let options, _) = answers.first else { return XCTFail() }
            XCTAssertEqual(version, offer == PostfixOffer.version2 ? 2 : 6)
            XCTAssertEqual(options.contains(.headerLeadingSpace), offer == PostfixOffer.version6)
            let inserted = answers.filter { if case .insertHeader = $0 { return true } else { return false } }
            XCTAssertEqual(inserted.count, 2)
            // Protocol 2: a reply to every step; protocol 6: only EOH, body and EOM.
            let continues = answers.filter { $0 == .continue }.count
            XCTAssertEqual(continues, offer == PostfixOffer.version2 ? 2 + 2 * 8 : 2 * 3)
        }
    }
}
