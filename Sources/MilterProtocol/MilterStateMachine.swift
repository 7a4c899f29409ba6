/// The filter side of one milter connection, without I/O: it negotiates options, checks each command
/// against the protocol state, keeps the macros, and tells the caller what to do next.
///
/// ```swift
/// var machine = MilterStateMachine(configuration: .init(actions: [.addHeaders, .changeHeaders]))
/// switch machine.receive(command) {
/// case .send(let responses): write(responses)
/// case .deliver(let events, let replyExpected):
///     let answer = filter.handle(events, macros: machine.macros)
///     if replyExpected, case .send(let responses) = machine.reply(answer) { write(responses) }
/// case .close: close()
/// case .ignore: break
/// }
/// ```
///
/// ## Order of commands
/// The transition table is libmilter's (`next_states` and `trans_ok` in `engine.c`), including its
/// allowance for steps negotiated away with `NO*` flags. What happens to a command the table does not
/// allow where it arrives also follows libmilter: if a message is in progress it is aborted (the filter
/// gets ``MilterEvent/abort``), and the command is tried again as if the session were just past HELO.
/// So a HELO or MAIL in the middle of a message starts over cleanly, and Postfix's ABORT after an
/// already finished message is ignored. Where libmilter then silently ignores a command that is still not
/// allowed, this machine ignores it only if the MTA expects no reply (ABORT, or a step under an `NR_*`
/// flag); a command that waits for a reply (EOM before anything, a header before MAIL, a second
/// OPTNEG) closes the connection with ``MilterProtocolError/unexpectedCommand(_:hint:)``, because staying
/// silent would leave the MTA hanging until its timeout, and closing makes it apply its default action
/// at once.
///
/// Deviations from libmilter, all towards robustness: QUIT and QUIT_NC are accepted in every state after
/// negotiation (libmilter only takes them after a message or an unknown command); a command that arrives
/// while the filter still owes a reply closes the connection (libmilter cannot observe that, being
/// synchronous); a filter reply the MTA would refuse closes the connection instead of reaching the MTA.
/// Unknown command bytes never get here: ``MilterFrameParser`` rejects them, and the caller closes, as
/// libmilter does.
///
/// ## Sessions and messages
/// After the end-of-message reply the machine waits for the next MAIL on the same connection (Postfix
/// sends several messages per connection, often with an ABORT between them). `SMFIC_QUIT_NC` keeps the
/// negotiation and waits for a new CONNECT, as in libmilter, which answers neither it nor a second OPTNEG.
///
/// - SeeAlso: ``MilterMacros`` for how macros accumulate and are dropped.
public struct MilterStateMachine: Sendable {
    /// What the filter asked for; used at negotiation.
    public let configuration: Configuration
    /// The negotiation outcome; nil until the MTA's OPTNEG has been answered.
    public private(set) var negotiated: Negotiated?
    /// The macros received so far, per stage.
    public private(set) var macros = MilterMacros()

    var state: State = .awaitingNegotiation
    /// Stages whose macros arrived since the last command: they belong to the command about to come.
    private var freshMacroStages: [MilterMacroStage] = []

    enum State: Sendable {
        case awaitingNegotiation
        case negotiated(Session)
        case closed
    }

    /// Per-connection protocol position once negotiated.
    struct Session: Sendable {
        var stage: Stage
        /// Between MAIL and the end of the message (its reply), an abort or a final rejection.
        var inMessage = false
        /// The stage whose reply the filter still owes.
        var pendingReply: Stage?
        /// Stages the MTA may leave out (negotiated or configured `NO*` flags).
        let skippable: UInt32
    }

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The value of macro `name` (braces optional), latest stage first.
    public func macro(_ name: String) -> String? {
        macros.value(name)
    }

    /// Whether the connection is over (QUIT or a protocol error).
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether a message is in progress (after MAIL, before its end, abort or rejection).
    public var isInMessage: Bool {
        if case .negotiated(let session) = state { return session.inMessage }
        return false
    }

    /// Whether the filter owes the MTA a reply (call ``reply(_:)`` before the next ``receive(_:)``).
    public var isAwaitingReply: Bool {
        if case .negotiated(let session) = state { return session.pendingReply != nil }
        return false
    }

    /// Takes the next command from the MTA.
    ///
    /// Call ``reply(_:)`` for a delivered event that expects a reply before passing the next command:
    /// the MTA waits for that reply, so a command arriving first means the two sides are out of step.
    public mutating func receive(_ command: MilterCommand) -> Action {
        let action = dispatch(command)
        if command.code != .macro { freshMacroStages = [] }
        return action
    }

    private mutating func dispatch(_ command: MilterCommand) -> Action {
        switch state {
        case .closed:
            return .close(reason: .protocolError(.unexpectedCommand(command.code, hint: "after the connection was closed")))
        case .awaitingNegotiation:
            switch command {
            case .optionNegotiation(let version, let actions, let options):
                return negotiate(version: version, actions: actions, options: options)
            case .defineMacros(let stage, let list):
                store(list, stage: stage)
                return .ignore
            case .quit:
                return close(.quit)
            default:
                return close(.protocolError(.unexpectedCommand(command.code, hint: "before option negotiation")))
            }
        case .negotiated(var session):
            if session.pendingReply != nil {
                return close(.protocolError(.replyPending(command.code)))
            }
            let action = receive(command, in: &session)
            if case .negotiated = state { state = .negotiated(session) }
            return action
        }
    }

    private mutating func receive(_ command: MilterCommand, in session: inout Session) -> Action {
        switch command {
        case .defineMacros(let stage, let list):
            store(list, stage: stage)
            return .ignore
        case .quit:
            return close(.quit)
        case .quitNewConnection:
            let events: [MilterEvent] = session.inMessage ? [.abort, .newSession] : [.newSession]
            macros.removeAll()
            session = Session(stage: .quitNewConnection, skippable: session.skippable)
            return .deliver(events, replyExpected: false)
        case .optionNegotiation:
            return close(.protocolError(.unexpectedCommand(.optionNegotiation, hint: "after negotiation was done")))
        default:
            break
        }
        guard let target = Stage(command: command.code) else { return .ignore }
        let replyExpected = expectsReply(target)
        var events: [MilterEvent] = []
        if !Stage.transitionAllowed(from: session.stage, to: target, skippable: session.skippable) {
            // libmilter: abort the message in progress, then try again from HELO.
            let previous = session.stage
            if session.inMessage {
                events.append(.abort)
                endMessage(&session)
            }
            session.stage = .helo
            if !Stage.transitionAllowed(from: .helo, to: target, skippable: session.skippable) {
                if replyExpected {
                    return close(.protocolError(.unexpectedCommand(command.code, hint: "not allowed after \(previous.name)")))
                }
                return events.isEmpty ? .ignore : .deliver(events, replyExpected: false)
            }
        }
        session.stage = target
        switch command {
        case .connect(let hostname, let address):
            macros.removeStages(after: .connect)
            session.inMessage = false
            events.append(.connect(hostname: hostname, address: address))
        case .helo(let name):
            macros.removeStages(after: .helo)
            events.append(.helo(name))
        case .mailFrom(let arguments):
            macros.removeStages(after: .mail)
            session.inMessage = true
            events.append(.mailFrom(arguments))
        case .recipient(let arguments):
            macros.removeStages(after: .recipient)
            events.append(.recipient(arguments))
        case .data:
            events.append(.data)
        case .header(let name, let value):
            events.append(.header(name: name, value: value))
        case .endOfHeaders:
            events.append(.endOfHeaders)
        case .body(let chunk):
            events.append(.body(chunk))
        case .endOfMessage(let chunk):
            if !chunk.isEmpty { events.append(.body(chunk)) }
            events.append(.endOfMessage)
        case .abort:
            endMessage(&session)
            // libmilter's ABORT state allows nothing and resyncs from HELO; go there directly.
            session.stage = .helo
            events.append(.abort)
        case .unknown(let line):
            events.append(.unknown(line))
        case .optionNegotiation, .defineMacros, .quit, .quitNewConnection:
            return .ignore
        }
        if replyExpected { session.pendingReply = target }
        return .deliver(events, replyExpected: replyExpected)
    }

    /// Whether the MTA waits for an answer after a command that moves to `stage`.
    private func expectsReply(_ stage: Stage) -> Bool {
        switch stage {
        case .endOfMessage, .options: return true
        case .abort, .quit, .quitNewConnection, .initial: return false
        default:
            guard let flag = stage.noReplyFlag, let negotiated else { return true }
            return negotiated.expectsReply(noReplyFlag: flag)
        }
    }

    private mutating func store(_ list: [MilterMacro], stage: MilterCommandCode?) {
        // libmilter keeps macros for seven commands only; Postfix also sends some with HEADER and BODY
        // (stage 'L', 'B'), which libmilter drops, and so do we.
        guard let stage, let macroStage = MilterMacroStage(command: stage) else { return }
        macros.define(list, for: macroStage)
        freshMacroStages.append(macroStage)
    }

    /// The message is over: drop its macros, except those just sent for the command that is arriving
    /// (an out-of-order MAIL comes with its own MAIL macros, which must survive the implicit abort).
    mutating func endMessage(_ session: inout Session) {
        session.inMessage = false
        macros.removeMessageStages(except: freshMacroStages)
    }

    mutating func close(_ reason: CloseReason) -> Action {
        state = .closed
        macros.removeAll()
        return .close(reason: reason)
    }

    private mutating func negotiate(version: UInt32, actions offeredActions: MilterActions, options offeredOptions: MilterProtocolOptions) -> Action {
        guard version >= MilterConstants.minimumProtocolVersion else {
            return close(.protocolError(.unsupportedVersion(version)))
        }
        // libmilter: an offer of no flags at all means protocol 1's sets.
        let offeredActions = offeredActions.isEmpty ? MilterActions.version1 : offeredActions
        let offeredOptions = offeredOptions.isEmpty ? MilterProtocolOptions.version1 : offeredOptions
        let ours = min(max(configuration.highestVersion, MilterConstants.minimumProtocolVersion), MilterConstants.protocolVersion)
        let answerVersion = min(version, ours)
        let actions = configuration.actions.intersection(offeredActions)

        var wanted = configuration.skippedSteps.intersection(.allSkippableSteps)
            .union(configuration.noReplySteps.intersection(.allNoReplySteps))
            .union(configuration.additionalOptions.subtracting(.internal))
        if configuration.headerLeadingSpace { wanted.insert(.headerLeadingSpace) }
        var options = wanted.intersection(offeredOptions)
        if configuration.acceptsLargeDataSizes {
            if offeredOptions.contains(.maximumDataSize1M) {
                options.insert(.maximumDataSize1M)
            } else if offeredOptions.contains(.maximumDataSize256K) {
                options.insert(.maximumDataSize256K)
            }
        }
        let requests = actions.contains(.setSymbolList) ? configuration.macroRequests : []

        negotiated = Negotiated(
            version: answerVersion,
            actions: actions,
            protocolOptions: options,
            offeredVersion: version,
            offeredActions: offeredActions,
            offeredProtocolOptions: offeredOptions,
            missingActions: configuration.actions.subtracting(offeredActions)
        )
        let skippable = Stage.skippable(options.union(configuration.skippedSteps))
        state = .negotiated(Session(stage: .options, skippable: skippable))
        return .send([.optionNegotiation(version: answerVersion, actions: actions, protocolOptions: options, macroRequests: requests)])
    }
}
