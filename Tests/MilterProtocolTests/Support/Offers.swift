import MilterProtocol

/// What Postfix's milter8.c sends: `my_actions` is all nine SMFIF flags (0x1FF) whatever the version;
/// the events mask depends on `milter_protocol`.
enum PostfixOffer {
    static let actions = MilterActions(rawValue: 0x1FF)
    /// `milter_protocol = 2`: MILTER8_V2_PROTO_MASK (NOCONNECT..NOEOH).
    static let version2 = MilterCommand.optionNegotiation(version: 2, actions: actions, protocolOptions: MilterProtocolOptions(rawValue: 0x7F))
    /// `milter_protocol = 6`: MILTER8_V6_PROTO_MASK, every flag up to HDR_LEADSPC.
    static let version6 = MilterCommand.optionNegotiation(version: 6, actions: actions, protocolOptions: MilterProtocolOptions(rawValue: 0x1F_FFFF))
}

/// Feeds commands one by one; answers each expected reply with `.continue` (or `endOfMessageReply`).
@discardableResult
func drive(_ machine: inout MilterStateMachine, _ commands: [MilterCommand], endOfMessageReply: [MilterResponse] = [.continue]) -> [MilterStateMachine.Action] {
    var actions: [MilterStateMachine.Action] = []
    for command in commands {
        let action = machine.receive(command)
        actions.append(action)
        if case .deliver(let events, true) = action {
            actions.append(machine.reply(events.last == .endOfMessage ? endOfMessageReply : [.continue]))
        }
    }
    return actions
}

/// One message as Postfix sends it, macros included.
func postfixMessage(queueID: String, authType: String? = nil, sender: String = "<alice@example.com>") -> [MilterCommand] {
    var mailMacros = [MilterMacro(name: "i", value: queueID)]
    if let authType { mailMacros.append(MilterMacro(name: "auth_type", value: authType)) }
    return [
        .defineMacros(stage: .mail, macros: mailMacros),
        .mailFrom([sender, "SIZE=100"]),
        .defineMacros(stage: .recipient, macros: [MilterMacro(name: "rcpt_addr", value: "bob@example.net")]),
        .recipient(["<bob@example.net>"]),
        .defineMacros(stage: .data, macros: []),
        .data,
        .defineMacros(stage: .header, macros: [MilterMacro(name: "i", value: queueID)]),
        .header(name: "From".bytes, value: " Alice <alice@example.com>".bytes),
        .defineMacros(stage: .header, macros: [MilterMacro(name: "i", value: queueID)]),
        .header(name: "Subject".bytes, value: " Hello\n\tworld".bytes),
        .defineMacros(stage: .endOfHeaders, macros: [MilterMacro(name: "i", value: queueID)]),
        .endOfHeaders,
        .defineMacros(stage: .body, macros: [MilterMacro(name: "i", value: queueID)]),
        .body(Array("Hi.\r\n".utf8)),
        .defineMacros(stage: .bodyEOB, macros: [MilterMacro(name: "i", value: queueID)]),
        .endOfMessage([]),
    ]
}

let postfixConnect: [MilterCommand] = [
    .defineMacros(stage: .connect, macros: [
        MilterMacro(name: "j", value: "mx.example.com"), MilterMacro(name: "{daemon_name}", value: "submission"),
        MilterMacro(name: "{client_addr}", value: "192.0.2.7"), MilterMacro(name: "v", value: "Postfix 3.7.11"),
    ]),
    .connect(hostname: "client.example.org", address: .inet("192.0.2.7", port: 50_000)),
    .defineMacros(stage: .helo, macros: [MilterMacro(name: "{tls_version}", value: "TLSv1.3")]),
    .helo("client.example.org"),
]

/// The events a delivered action carries, or [] for other actions.
func events(_ action: MilterStateMachine.Action) -> [MilterEvent] {
    if case .deliver(let events, _) = action { return events }
    return []
}

func isClose(_ action: MilterStateMachine.Action) -> Bool {
    if case .close = action { return true }
    return false
}
