extension MilterStateMachine {
    /// Takes the filter's answer to the last delivered event that expected a reply, checks it, and
    /// returns `.send` with the responses to write.
    ///
    /// The answer is a list ending in exactly one final decision (see ``MilterResponse/isFinal``); at
    /// end-of-message modifications and ``MilterResponse/progress`` may come first, each modification only
    /// if its action was negotiated. ``MilterResponse/skip`` is allowed for body chunks when the MTA
    /// offered `SMFIP_SKIP`; ``MilterResponse/discard`` not at connect or HELO (Postfix refuses it there);
    /// ``MilterResponse/replyCode(_:)`` must look like `4xx `/`5xx ` text as Postfix demands. A reply
    /// that breaks these rules would make the MTA drop the filter mid-message, so it closes the
    /// connection instead: `.close(reason: .protocolError(...invalidReply...))`.
    ///
    /// When no reply is owed (the step was negotiated with an `NR_*` flag, or nothing was delivered) the
    /// responses are dropped and the result is `.ignore`, as libmilter does with a filter that "claimed not
    /// to reply but did anyway".
    ///
    /// The end-of-message reply ends the message: message macros are dropped and the machine waits for
    /// the next MAIL. Accept, reject, tempfail, discard or a reply code end the message (or, for the
    /// connection, the HELO stage) early, as in libmilter; at RCPT and unknown commands a rejection only
    /// concerns that command.
    public mutating func reply(_ responses: [MilterResponse]) -> Action {
        guard case .negotiated(var session) = state, let stage = session.pendingReply, let negotiated else {
            return .ignore
        }
        if let problem = problem(with: responses, at: stage, negotiated: negotiated) {
            return close(.protocolError(.invalidReply(hint: problem)))
        }
        session.pendingReply = nil
        let decision = responses[responses.count - 1]
        if stage == .endOfMessage {
            endMessage(&session)
            if decision != .continue { session.stage = .helo }
        } else {
            switch decision {
            case .accept:
                session.stage = .helo
                if session.inMessage { endMessage(&session) }
            case .reject, .tempfail, .discard, .replyCode:
                if stage != .recipient && stage != .unknown {
                    session.stage = .helo
                    if session.inMessage { endMessage(&session) }
                }
            default:
                break
            }
        }
        state = .negotiated(session)
        return .send(responses)
    }

    private func problem(with responses: [MilterResponse], at stage: Stage, negotiated: Negotiated) -> String? {
        guard let decision = responses.last else { return "empty reply to \(stage.name)" }
        guard decision.isFinal else { return "reply to \(stage.name) ends without a final decision" }
        for response in responses.dropLast() {
            let code = MilterResponseCode(rawValue: response.wireCode).map(String.init(describing:)) ?? "SMFIC_OPTNEG"
            if response.isFinal { return "more than one final decision in the reply to \(stage.name)" }
            if case .optionNegotiation = response { return "a negotiation answer as a reply to \(stage.name)" }
            guard stage == .endOfMessage else { return "\(code) is only allowed at end of message, not after \(stage.name)" }
            if let needed = response.requiredAction, !negotiated.actions.contains(needed) {
                return "\(code) needs action \(needed), which was not negotiated"
            }
        }
        switch decision {
        case .skip:
            guard stage == .body else { return "SMFIR_SKIP is only allowed after a body chunk, not after \(stage.name)" }
            guard negotiated.canSkip else { return "SMFIR_SKIP but the MTA did not offer SMFIP_SKIP" }
        case .discard:
            if stage == .connect || stage == .helo { return "SMFIR_DISCARD is not allowed after \(stage.name)" }
        case .replyCode(let text):
            if let problem = Self.replyCodeProblem(text) { return problem }
        default:
            break
        }
        return nil
    }

    /// Postfix's check in `milter8.c`: `4xx` or `5xx`, then a space or hyphen, and an enhanced status code
    /// (if any) of the same class.
    static func replyCodeProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: "4") || bytes[0] == UInt8(ascii: "5"),
              isDigit(bytes[1]), isDigit(bytes[2]),
              bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { return "SMFIR_REPLYCODE text must start with 4xx or 5xx and a space or hyphen" }
        if bytes.count > 4, isDigit(bytes[4]), bytes[4] != bytes[0] {
            return "SMFIR_REPLYCODE enhanced status class differs from the reply code"
        }
        if bytes.contains(0) { return "SMFIR_REPLYCODE text contains NUL" }
        return nil
    }
}
