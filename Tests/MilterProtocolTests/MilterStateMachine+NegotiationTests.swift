import MilterProtocol
import XCTest

final class MilterStateMachineNegotiationTests: XCTestCase {
    private let signing = MilterStateMachine.Configuration(
        actions: [.addHeaders, .changeHeaders],
        skippedSteps: [.noHelo, .noData, .noUnknown]
    )

    func testPostfixProtocol2() throws {
        var machine = MilterStateMachine(configuration: signing)
        XCTAssertEqual(machine.receive(PostfixOffer.version2), .send([
            .optionNegotiation(version: 2, actions: [.addHeaders, .changeHeaders], protocolOptions: [.noHelo]),
        ]))
        let negotiated = try XCTUnwrap(machine.negotiated)
        XCTAssertEqual(negotiated.version, 2)
        XCTAssertEqual(negotiated.missingActions, [])
        XCTAssertFalse(negotiated.headerLeadingSpace)
        XCTAssertTrue(negotiated.canAddHeaders)
        XCTAssertFalse(negotiated.canSkip)
        // No NR_* flags at protocol 2: every step expects a reply.
        XCTAssertEqual(machine.receive(postfixConnect[0]), .ignore)
        XCTAssertEqual(machine.receive(postfixConnect[1]), .deliver([.connect(hostname: "client.example.org", address: .inet("192.0.2.7", port: 50_000))], replyExpected: true))
        XCTAssertEqual(machine.reply([.continue]), .send([.continue]))
        // Postfix does not send HELO (NOHELO agreed) nor DATA (not in protocol 2) to this filter.
        let message: [MilterCommand] = [
            .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .header(name: "From".bytes, value: "a@b".bytes),
            .endOfHeaders, .body(Array("x\r\n".utf8)), .endOfMessage([]),
        ]
        for command in message {
            guard case .deliver(_, let replyExpected) = machine.receive(command) else { return XCTFail("\(command)") }
            XCTAssertTrue(replyExpected, "\(command)")
            XCTAssertEqual(machine.reply(command == .endOfMessage([]) ? [.addHeader(name: "X", value: "y"), .continue] : [.continue]), .send(command == .endOfMessage([]) ? [.addHeader(name: "X", value: "y"), .continue] : [.continue]))
        }
        XCTAssertFalse(machine.isInMessage)
    }

    /// Old Postfix (2.3–2.5) and sendmail 8.12 offered only the protocol 2 action set.
    func testOlderOfferWithVersion2Actions() throws {
        var machine = MilterStateMachine(configuration: .init(actions: [.addHeaders, .changeHeaders, .changeSender]))
        XCTAssertEqual(machine.receive(.optionNegotiation(version: 2, actions: .version2, protocolOptions: .version2)), .send([
            .optionNegotiation(version: 2, actions: [.addHeaders, .changeHeaders], protocolOptions: []),
        ]))
        XCTAssertEqual(machine.negotiated?.missingActions, [.changeSender])
    }

    func testPostfixProtocol6() throws {
        var machine = MilterStateMachine(configuration: signing)
        let expected: MilterProtocolOptions = [
            .noHelo, .noData, .noUnknown, .headerLeadingSpace,
            .noReplyConnect, .noReplyHelo, .noReplyMail, .noReplyRecipient, .noReplyData, .noReplyUnknown, .noReplyHeaders,
        ]
        XCTAssertEqual(machine.receive(PostfixOffer.version6), .send([
            .optionNegotiation(version: 6, actions: [.addHeaders, .changeHeaders], protocolOptions: expected),
        ]))
        let negotiated = try XCTUnwrap(machine.negotiated)
        XCTAssertTrue(negotiated.headerLeadingSpace)
        XCTAssertTrue(negotiated.canSkip)
        XCTAssertEqual(negotiated.offeredProtocolOptions.rawValue, 0x1F_FFFF)
    }

    func testMissingHeaderActionsAreReportedNotRefused() throws {
        var machine = MilterStateMachine(configuration: signing)
        XCTAssertEqual(machine.receive(.optionNegotiation(version: 6, actions: [.addRecipients, .quarantine], protocolOptions: .allKnown)), .send([
            .optionNegotiation(version: 6, actions: [], protocolOptions: [
                .noHelo, .noData, .noUnknown, .headerLeadingSpace, .noReplyConnect, .noReplyHelo, .noReplyMail,
                .noReplyRecipient, .noReplyData, .noReplyUnknown, .noReplyHeaders,
            ]),
        ]))
        let negotiated = try XCTUnwrap(machine.negotiated)
        XCTAssertEqual(negotiated.missingActions, [.addHeaders, .changeHeaders])
        XCTAssertFalse(negotiated.canAddHeaders)
        XCTAssertFalse(negotiated.canChangeHeaders)
    }

    func testVersionIsNeverHigherThanOffered() {
        for (offered, answered) in [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 6), (UInt32.max, 6)] as [(UInt32, UInt32)] {
            var machine = MilterStateMachine(configuration: signing)
            guard case .send(let responses) = machine.receive(.optionNegotiation(version: offered, actions: .allKnown, protocolOptions: .allKnown)),
                  case .optionNegotiation(let version, _, _, _) = responses.first
            else { return XCTFail("offer \(offered)") }
            XCTAssertEqual(version, answered, "offer \(offered)")
        }
        var capped = MilterStateMachine(configuration: .init(actions: [], highestVersion: 4))
        XCTAssertEqual(capped.receive(PostfixOffer.version6), .send([.optionNegotiation(version: 4, actions: [], protocolOptions: [
            .headerLeadingSpace, .noReplyConnect, .noReplyHelo, .noReplyMail, .noReplyRecipient, .noReplyData,
            .noReplyUnknown, .noReplyHeaders,
        ])]))
    }

    func testVersionsBelow2AreRefused() {
        for version: UInt32 in [0, 1] {
            var machine = MilterStateMachine(configuration: signing)
            XCTAssertEqual(machine.receive(.optionNegotiation(version: version, actions: .allKnown, protocolOptions: .allKnown)),
                           .close(reason: .protocolError(.unsupportedVersion(version))))
            XCTAssertTrue(machine.isClosed)
            XCTAssertNil(machine.negotiated)
        }
    }

    /// libmilter: an offer of no flags means protocol 1's sets.
    func testEmptyOfferMeansVersion1Sets() throws {
        var machine = MilterStateMachine(configuration: signing)
        XCTAssertEqual(machine.receive(.optionNegotiation(version: 2, actions: [], protocolOptions: [])), .send([
            .optionNegotiation(version: 2, actions: [.addHeaders], protocolOptions: [.noHelo]),
        ]))
        XCTAssertEqual(machine.negotiated?.offeredActions, .version1)
        XCTAssertEqual(machine.negotiated?.offeredProtocolOptions, .version1)
    }

    func testDataSizeFlagsAreEchoedWhenOffered() {
        let offer = MilterProtocolOptions.allKnown.union([.maximumDataSize256K, .maximumDataSize1M])
        var machine = MilterStateMachine(configuration: .init(actions: [], noReplySteps: [], headerLeadingSpace: false))
        XCTAssertEqual(machine.receive(.optionNegotiation(version: 6, actions: [], protocolOptions: offer)),
                       .send([.optionNegotiation(version: 6, actions: [], protocolOptions: [.maximumDataSize1M])]))
        var small = MilterStateMachine(configuration: .init(actions: [], noReplySteps: [], headerLeadingSpace: false))
        XCTAssertEqual(small.receive(.optionNegotiation(version: 6, actions: [], protocolOptions: [.maximumDataSize256K])),
                       .send([.optionNegotiation(version: 6, actions: [], protocolOptions: [.maximumDataSize256K])]))
        var refusing = MilterStateMachine(configuration: .init(actions: [], noReplySteps: [], headerLeadingSpace: false, acceptsLargeDataSizes: false))
        XCTAssertEqual(refusing.receive(.optionNegotiation(version: 6, actions: [], protocolOptions: offer)),
                       .send([.optionNegotiation(version: 6, actions: [], protocolOptions: [])]))
    }

    func testAdditionalOptionsAndMacroRequests() {
        let requests = [MilterMacroRequest(stage: .mail, names: ["i", "{auth_type}"])]
        let configuration = MilterStateMachine.Configuration(
            actions: [.addHeaders, .setSymbolList], noReplySteps: [], headerLeadingSpace: false,
            additionalOptions: [.skip, .rejectedRecipients, .internal], macroRequests: requests
        )
        var machine = MilterStateMachine(configuration: configuration)
        XCTAssertEqual(machine.receive(PostfixOffer.version6), .send([
            .optionNegotiation(version: 6, actions: [.addHeaders, .setSymbolList], protocolOptions: [.skip, .rejectedRecipients], macroRequests: requests),
        ]))
        // Without SETSYMLIST on offer the lists stay at home.
        var old = MilterStateMachine(configuration: configuration)
        XCTAssertEqual(old.receive(.optionNegotiation(version: 2, actions: .version2, protocolOptions: .version2)), .send([
            .optionNegotiation(version: 2, actions: [.addHeaders], protocolOptions: []),
        ]))
    }

    func testCommandsBeforeNegotiation() {
        var machine = MilterStateMachine(configuration: signing)
        XCTAssertEqual(machine.receive(.defineMacros(stage: .connect, macros: [MilterMacro(name: "j", value: "x")])), .ignore)
        XCTAssertTrue(isClose(machine.receive(.connect(hostname: "h", address: .unknown))))
        XCTAssertTrue(machine.isClosed)
        XCTAssertTrue(isClose(machine.receive(PostfixOffer.version6)), "closed stays closed")

        var quitting = MilterStateMachine(configuration: signing)
        XCTAssertEqual(quitting.receive(.quit), .close(reason: .quit))
    }

    func testSecondNegotiationCloses() {
        var machine = MilterStateMachine(configuration: signing)
        _ = machine.receive(PostfixOffer.version6)
        XCTAssertEqual(machine.receive(PostfixOffer.version6),
                       .close(reason: .protocolError(.unexpectedCommand(.optionNegotiation, hint: ""))))
    }
}
