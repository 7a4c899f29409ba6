import MilterProtocol
import XCTest

final class MilterStateMachineTests: XCTestCase {
    private let configuration = MilterStateMachine.Configuration(actions: [.addHeaders, .changeHeaders], skippedSteps: [.noHelo])

    private func negotiatedMachine(_ offer: MilterCommand = PostfixOffer.version6) -> MilterStateMachine {
        var machine = MilterStateMachine(configuration: configuration)
        _ = machine.receive(offer)
        return machine
    }

    func testReplyExpectedFollowsTheNoReplyFlags() {
        var machine = negotiatedMachine()
        let expectations: [(MilterCommand, Bool)] = [
            (.connect(hostname: "h", address: .inet("192.0.2.1", port: 25)), false),
            (.helo("h"), false),
            (.mailFrom(["<a@b>"]), false),
            (.recipient(["<c@d>"]), false),
            (.data, false),
            (.header(name: "From".bytes, value: " a@b".bytes), false),
            (.endOfHeaders, true),
            (.body(Array("x\r\n".utf8)), true),
            (.endOfMessage([]), true),
        ]
        for (command, expected) in expectations {
            guard case .deliver(_, let replyExpected) = machine.receive(command) else { return XCTFail("\(command)") }
            XCTAssertEqual(replyExpected, expected, "\(command)")
            XCTAssertEqual(machine.isAwaitingReply, expected)
            if replyExpected { XCTAssertEqual(machine.reply([.continue]), .send([.continue])) }
        }
        // ABORT never expects a reply.
        _ = machine.receive(.mailFrom(["<a@b>"]))
        XCTAssertEqual(machine.receive(.abort), .deliver([.abort], replyExpected: false))
    }

    func testFullNoReplyConfigurationUnderProtocol6() {
        var machine = MilterStateMachine(configuration: .init(actions: [], noReplySteps: .allNoReplySteps))
        _ = machine.receive(PostfixOffer.version6)
        for command: MilterCommand in [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]),
                                       .header(name: "X".bytes, value: []), .endOfHeaders, .body([1])] {
            guard case .deliver(_, false) = machine.receive(command) else { return XCTFail("\(command)") }
        }
        XCTAssertEqual(machine.receive(.endOfMessage([])), .deliver([.endOfMessage], replyExpected: true))
    }

    func testSeveralMessagesOnOneConnectionWithPostfixAbortBetween() {
        var machine = negotiatedMachine()
        drive(&machine, postfixConnect)
        for queueID in ["AAA1", "BBB2", "CCC3"] {
            let actions = drive(&machine, postfixMessage(queueID: queueID), endOfMessageReply: [.insertHeader(index: 0, name: "DKIM-Signature", value: " v=1"), .continue])
            XCTAssertFalse(actions.contains(where: isClose), "\(actions)")
            XCTAssertEqual(actions.last, .send([.insertHeader(index: 0, name: "DKIM-Signature", value: " v=1"), .continue]))
            XCTAssertFalse(machine.isInMessage)
            // Postfix sends ABORT after a finished message; libmilter ignores it.
            XCTAssertEqual(machine.receive(.abort), .ignore)
        }
        XCTAssertEqual(machine.receive(.quit), .close(reason: .quit))
        XCTAssertTrue(machine.isClosed)
        XCTAssertTrue(machine.macros.isEmpty)
    }

    func testBodyChunkCarriedByEndOfMessageIsDeliveredFirst() {
        var machine = negotiatedMachine()
        drive(&machine, [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .endOfHeaders])
        XCTAssertEqual(machine.receive(.endOfMessage(Array("last\r\n".utf8))),
                       .deliver([.body(Array("last\r\n".utf8)), .endOfMessage], replyExpected: true))
    }

    func testAbortMidMessage() {
        var machine = negotiatedMachine()
        drive(&machine, postfixConnect)
        drive(&machine, Array(postfixMessage(queueID: "Q1", authType: "PLAIN").prefix(10)))  // up to the second header
        XCTAssertTrue(machine.isInMessage)
        XCTAssertEqual(machine.macro("auth_type"), "PLAIN")
        XCTAssertEqual(machine.receive(.abort), .deliver([.abort], replyExpected: false))
        XCTAssertFalse(machine.isInMessage)
        XCTAssertNil(machine.macro("{auth_type}"), "MAIL macros go with the message")
        XCTAssertNil(machine.macro("i"))
        XCTAssertNil(machine.macro("rcpt_addr"))
        XCTAssertEqual(machine.macro("j"), "mx.example.com", "connection macros stay")
        XCTAssertEqual(machine.macro("tls_version"), "TLSv1.3")
        // A second ABORT is ignored; the next message works.
        XCTAssertEqual(machine.receive(.abort), .ignore)
        let actions = drive(&machine, postfixMessage(queueID: "Q2"))
        XCTAssertFalse(actions.contains(where: isClose))
        XCTAssertEqual(actions.flatMap(events).filter { if case .body = $0 { return true } else { return false } }.count, 1)
    }

    func testMacrosAccumulateAcrossStagesAndAreVisibleAtEndOfMessage() {
        var machine = negotiatedMachine()
        drive(&machine, postfixConnect)
        var snapshotAtEndOfMessage: MilterMacros?
        for command in postfixMessage(queueID: "4XyZ1", authType: "PLAIN") {
            let action = machine.receive(command)
            if case .deliver(let events, let replyExpected) = action {
                if events.last == .endOfMessage { snapshotAtEndOfMessage = machine.macros }
                if replyExpected { _ = machine.reply([.continue]) }
            }
        }
        let macros = try! XCTUnwrap(snapshotAtEndOfMessage)
        XCTAssertEqual(macros["auth_type"], "PLAIN")
        XCTAssertEqual(macros["{auth_type}"], "PLAIN")
        XCTAssertEqual(macros["daemon_name"], "submission")
        XCTAssertEqual(macros["{j}"], "mx.example.com")
        XCTAssertEqual(macros["j"], "mx.example.com")
        XCTAssertEqual(macros["i"], "4XyZ1")
        XCTAssertEqual(macros["client_addr"], "192.0.2.7")
        XCTAssertEqual(macros["rcpt_addr"], "bob@example.net")
        XCTAssertNil(macros["nonexistent"])
        XCTAssertEqual(macros.macros(for: .endOfMessage), [MilterMacro(name: "i", value: "4XyZ1")])
        // After the end-of-message reply the message stages are gone, the connection ones stay.
        XCTAssertNil(machine.macro("auth_type"))
        XCTAssertNil(machine.macro("i"))
        XCTAssertEqual(machine.macro("daemon_name"), "submission")
        XCTAssertEqual(machine.macros.macros(for: .mail), [])
        // The snapshot did not change.
        XCTAssertEqual(macros["i"], "4XyZ1")
    }

    func testMacrosForAStageReplaceThePreviousSetAndLaterStagesAreDropped() {
        var machine = negotiatedMachine()
        _ = machine.receive(.defineMacros(stage: .connect, macros: [MilterMacro(name: "j", value: "one"), MilterMacro(name: "x", value: "1")]))
        _ = machine.receive(.defineMacros(stage: .connect, macros: [MilterMacro(name: "j", value: "two")]))
        XCTAssertEqual(machine.macro("j"), "two")
        XCTAssertNil(machine.macro("x"), "a new set replaces the old one")
        _ = machine.receive(.connect(hostname: "h", address: .unknown))
        _ = machine.receive(.defineMacros(stage: .helo, macros: [MilterMacro(name: "j", value: "helo-level")]))
        XCTAssertEqual(machine.macro("j"), "helo-level", "latest stage first")
        // Macros for HEADER, BODY and unknown stages are dropped, as libmilter drops them.
        _ = machine.receive(.defineMacros(stage: .header, macros: [MilterMacro(name: "hdr", value: "1")]))
        _ = machine.receive(.defineMacros(stage: .body, macros: [MilterMacro(name: "bdy", value: "1")]))
        _ = machine.receive(.defineMacros(stage: nil, macros: [MilterMacro(name: "nil", value: "1")]))
        XCTAssertNil(machine.macro("hdr"))
        XCTAssertNil(machine.macro("bdy"))
        XCTAssertNil(machine.macro("nil"))
        // A new CONNECT (after QUIT_NC) drops HELO macros.
        _ = machine.receive(.quitNewConnection)
        XCTAssertTrue(machine.macros.isEmpty)
    }

    func testQuitNewConnectionKeepsNegotiationAndExpectsConnect() {
        var machine = negotiatedMachine()
        drive(&machine, postfixConnect)
        drive(&machine, postfixMessage(queueID: "Q1"))
        let negotiated = machine.negotiated
        XCTAssertEqual(machine.receive(.quitNewConnection), .deliver([.newSession], replyExpected: false))
        XCTAssertTrue(machine.macros.isEmpty)
        XCTAssertEqual(machine.negotiated, negotiated)
        XCTAssertFalse(machine.isClosed)
        // Not a new negotiation, and not a message before CONNECT.
        var again = machine
        XCTAssertTrue(isClose(again.receive(PostfixOffer.version6)))
        var early = machine
        XCTAssertTrue(isClose(early.receive(.endOfMessage([]))))
        // CONNECT starts the new session.
        let actions = drive(&machine, postfixConnect + postfixMessage(queueID: "Q2") + [.quit])
        XCTAssertEqual(actions.last, .close(reason: .quit))
        XCTAssertEqual(actions.dropLast().filter(isClose), [])
    }

    func testQuitNewConnectionMidMessageAbortsFirst() {
        var machine = negotiatedMachine()
        drive(&machine, [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"])])
        XCTAssertEqual(machine.receive(.quitNewConnection), .deliver([.abort, .newSession], replyExpected: false))
    }

    // MARK: - Out-of-order commands

    func testCommandsThatNeedAReplyCloseWhenOutOfOrder() {
        let cases: [(String, [MilterCommand], MilterCommand)] = [
            ("EOM before anything", [], .endOfMessage([])),
            ("EOM right after CONNECT", [.connect(hostname: "h", address: .unknown)], .endOfMessage([])),
            ("header before MAIL", [.connect(hostname: "h", address: .unknown)], .header(name: "X".bytes, value: [])),
            ("body before EOH", [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .header(name: "X".bytes, value: [])], .body([1])),
            ("RCPT before MAIL", [.connect(hostname: "h", address: .unknown)], .recipient(["<c@d>"])),
            ("second CONNECT", [.connect(hostname: "h", address: .unknown)], .connect(hostname: "h", address: .unknown)),
            ("EOH twice", [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .endOfHeaders], .endOfHeaders),
        ]
        for (name, prefix, command) in cases {
            // Protocol 2 offer: nothing is negotiated away, every step expects a reply.
            var machine = negotiatedMachine(PostfixOffer.version2)
            let actions = drive(&machine, prefix)
            XCTAssertFalse(actions.contains(where: isClose), name)
            XCTAssertEqual(machine.receive(command), .close(reason: .protocolError(.unexpectedCommand(command.code, hint: ""))), name)
            XCTAssertTrue(machine.isClosed, name)
        }
    }

    /// With NR_BODY agreed, a stray body chunk needs no reply: like libmilter, abort the message and
    /// ignore the chunk; the end of message that follows then has nothing to end.
    func testOutOfOrderCommandWithoutReplyAbortsAndIsIgnored() {
        var machine = MilterStateMachine(configuration: .init(actions: [], noReplySteps: .allNoReplySteps))
        _ = machine.receive(PostfixOffer.version6)
        drive(&machine, [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .header(name: "X".bytes, value: [])])
        XCTAssertEqual(machine.receive(.body([1])), .deliver([.abort], replyExpected: false))
        XCTAssertFalse(machine.isInMessage)
        XCTAssertTrue(isClose(machine.receive(.endOfMessage([]))))
    }

    /// MAIL or HELO in the middle of a message: libmilter aborts the message and starts over.
    func testMailOrHeloMidMessageAbortsAndRestarts() {
        var machine = negotiatedMachine(PostfixOffer.version2)
        drive(&machine, postfixConnect)
        drive(&machine, Array(postfixMessage(queueID: "OLD", authType: "OLD").prefix(8)))
        XCTAssertTrue(machine.isInMessage)
        XCTAssertEqual(machine.receive(.defineMacros(stage: .mail, macros: [MilterMacro(name: "i", value: "NEW")])), .ignore)
        XCTAssertEqual(machine.receive(.mailFrom(["<new@b>"])), .deliver([.abort, .mailFrom(["<new@b>"])], replyExpected: true))
        XCTAssertEqual(machine.reply([.continue]), .send([.continue]))
        XCTAssertTrue(machine.isInMessage)
        XCTAssertEqual(machine.macro("i"), "NEW", "the new MAIL's macros survive the implicit abort")
        XCTAssertNil(machine.macro("auth_type"))
        XCTAssertNil(machine.macro("rcpt_addr"))

        drive(&machine, [.recipient(["<c@d>"])])
        XCTAssertEqual(machine.receive(.helo("again")), .deliver([.abort, .helo("again")], replyExpected: true))
        XCTAssertEqual(machine.reply([.continue]), .send([.continue]))
        XCTAssertFalse(machine.isInMessage)
        XCTAssertNil(machine.macro("i"))
    }

    func testAbortOutsideAMessageIsIgnored() {
        var machine = negotiatedMachine()
        XCTAssertEqual(machine.receive(.abort), .ignore)
        drive(&machine, [.connect(hostname: "h", address: .unknown)])
        XCTAssertEqual(machine.receive(.abort), .ignore)
        XCTAssertFalse(machine.isClosed)
    }

    func testSkippedStepsMayBeLeftOut() {
        // NOHELO, NORCPT, NOHDRS and NOEOH agreed: MAIL may follow CONNECT and the body may follow MAIL.
        var machine = MilterStateMachine(configuration: .init(actions: [], skippedSteps: [.noHelo, .noRecipient, .noHeaders, .noEndOfHeaders, .noData], noReplySteps: []))
        _ = machine.receive(PostfixOffer.version6)
        let actions = drive(&machine, [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .body([1]), .endOfMessage([])])
        XCTAssertFalse(actions.contains(where: isClose), "\(actions)")
    }

    func testUnknownCommandsFitBetweenSteps() {
        var machine = negotiatedMachine(PostfixOffer.version2)
        let actions = drive(&machine, [
            .connect(hostname: "h", address: .unknown), .unknown("XFOO".bytes), .helo("h"), .unknown("XBAR".bytes),
            .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .unknown("XBAZ".bytes), .data, .header(name: "X".bytes, value: []),
            .endOfHeaders, .endOfMessage([]), .unknown("XQUX".bytes), .quit,
        ])
        XCTAssertEqual(actions.last, .close(reason: .quit))
        XCTAssertEqual(actions.dropLast().filter(isClose), [])
    }

    func testCommandWhileAReplyIsOwedCloses() {
        var machine = negotiatedMachine(PostfixOffer.version2)
        XCTAssertEqual(machine.receive(.connect(hostname: "h", address: .unknown)), .deliver([.connect(hostname: "h", address: .unknown)], replyExpected: true))
        var withMacros = machine
        XCTAssertEqual(machine.receive(.helo("h")), .close(reason: .protocolError(.replyPending(.helo))))
        XCTAssertEqual(withMacros.receive(.defineMacros(stage: .helo, macros: [])), .close(reason: .protocolError(.replyPending(.macro))))
    }

    // MARK: - Replies

    func testEndOfMessageModificationsNeedTheirActions() {
        var machine = negotiatedMachine()
        drive(&machine, [.connect(hostname: "h", address: .unknown), .mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .endOfHeaders])
        _ = machine.receive(.endOfMessage([]))
        var ok = machine
        let good: [MilterResponse] = [.progress, .insertHeader(index: 0, name: "DKIM-Signature", value: " v=1"), .addHeader(name: "A-R", value: " x"), .changeHeader(index: 1, name: "X", value: ""), .continue]
        XCTAssertEqual(ok.reply(good), .send(good))
        var bad = machine
        XCTAssertEqual(bad.reply([.addRecipient("<x@y>"), .continue]), .close(reason: .protocolError(.invalidReply(hint: ""))))
        XCTAssertTrue(bad.isClosed)
    }

    func testInvalidReplies() {
        func machineAt(_ commands: [MilterCommand], offer: MilterCommand = PostfixOffer.version2) -> MilterStateMachine {
            var machine = negotiatedMachine(offer)
            drive(&machine, Array(commands.dropLast()))
            _ = machine.receive(commands.last!)
            XCTAssertTrue(machine.isAwaitingReply)
            return machine
        }
        let connect: [MilterCommand] = [.connect(hostname: "h", address: .unknown)]
        let body: [MilterCommand] = connect + [.mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .endOfHeaders, .body([1])]
        let eom: [MilterCommand] = connect + [.mailFrom(["<a@b>"]), .recipient(["<c@d>"]), .endOfHeaders, .endOfMessage([])]
        let cases: [(String, [MilterCommand], [MilterResponse], MilterCommand)] = [
            ("empty", connect, [], PostfixOffer.version2),
            ("no final", eom, [.addHeader(name: "X", value: "y")], PostfixOffer.version2),
            ("two finals", connect, [.continue, .continue], PostfixOffer.version2),
            ("final not last", eom, [.continue, .addHeader(name: "X", value: "y")], PostfixOffer.version2),
            ("modification before EOM", connect, [.addHeader(name: "X", value: "y"), .continue], PostfixOffer.version2),
            ("progress before EOM", connect, [.progress, .continue], PostfixOffer.version2),
            ("negotiation as reply", connect, [.optionNegotiation(version: 6, actions: [], protocolOptions: []), .continue], PostfixOffer.version2),
            ("skip without SMFIP_SKIP", body, [.skip], PostfixOffer.version2),
            ("skip at EOM", eom, [.skip], PostfixOffer.version6),
            ("discard at connect", connect, [.discard], PostfixOffer.version2),
            ("reply code without class", eom, [.replyCode("250 ok")], PostfixOffer.version2),
            ("reply code too short", eom, [.replyCode("550")], PostfixOffer.version2),
            ("reply code class mismatch", eom, [.replyCode("550 4.7.1 no")], PostfixOffer.version2),
        ]
        for (name, commands, reply, offer) in cases {
            var machine = machineAt(commands, offer: offer)
            XCTAssertTrue(isClose(machine.reply(reply)), name)
        }
        // And the valid counterparts.
        var skipping = machineAt(body, offer: PostfixOffer.version6)
        XCTAssertEqual(skipping.reply([.skip]), .send([.skip]))
        var coded = machineAt(eom)
        XCTAssertEqual(coded.reply([.replyCode("550 5.7.1 Policy")]), .send([.replyCode("550 5.7.1 Policy")]))
        var multi = machineAt(eom)
        XCTAssertEqual(multi.reply([.replyCode("451-4.7.1 a\r\n451 4.7.1 b")]), .send([.replyCode("451-4.7.1 a\r\n451 4.7.1 b")]))
    }

    func testReplyThatIsNotOwedIsDropped() {
        var machine = negotiatedMachine()  // NR_CONN agreed
        XCTAssertEqual(machine.receive(.connect(hostname: "h", address: .unknown)), .deliver([.connect(hostname: "h", address: .unknown)], replyExpected: false))
        XCTAssertEqual(machine.reply([.reject]), .ignore)
        var fresh = MilterStateMachine(configuration: configuration)
        XCTAssertEqual(fresh.reply([.continue]), .ignore)
    }

    func testRejectionEndsTheMessageButNotAtRecipient() {
        var machine = negotiatedMachine(PostfixOffer.version2)
        drive(&machine, [.connect(hostname: "h", address: .unknown)])
        _ = machine.receive(.defineMacros(stage: .mail, macros: [MilterMacro(name: "i", value: "Q")]))
        _ = machine.receive(.mailFrom(["<a@b>"]))
        XCTAssertEqual(machine.reply([.reject]), .send([.reject]))
        XCTAssertNil(machine.macro("i"), "the rejected message's macros are dropped")
        XCTAssertFalse(machine.isInMessage)
        // The MTA moves on to another MAIL.
        XCTAssertEqual(machine.receive(.mailFrom(["<b@c>"])), .deliver([.mailFrom(["<b@c>"])], replyExpected: true))
        _ = machine.reply([.continue])
        _ = machine.receive(.recipient(["<bad@x>"]))
        XCTAssertEqual(machine.reply([.replyCode("550 5.1.1 no such user")]), .send([.replyCode("550 5.1.1 no such user")]))
        XCTAssertTrue(machine.isInMessage, "a rejected recipient does not end the message")
        XCTAssertEqual(machine.receive(.recipient(["<good@x>"])), .deliver([.recipient(["<good@x>"])], replyExpected: true))
        _ = machine.reply([.continue])
        _ = machine.receive(.endOfHeaders)
        XCTAssertEqual(machine.reply([.accept]), .send([.accept]))
        XCTAssertFalse(machine.isInMessage, "accept ends the message early")
        XCTAssertEqual(machine.receive(.abort), .ignore, "Postfix's ABORT after an accepted message")
    }
}
