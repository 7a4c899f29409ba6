import ArgumentParser
import DKIMConfig

/// `dkimctl explain`: what the milter would do with a message from this client and sender, and why.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show whether a message would be signed, verified or left alone, and which lines decided.",
        discussion: """
        Loads the configuration and its keys as serve does, then makes the milter's sign-or-verify decision \
        for one message described on the command line: the SMTP client's address (and name), whether it \
        authenticated, the MTA's daemon name and macros, and the From header field (a bare address or a full \
        value such as 'John <john@example.com>').

        Prints `decision: sign` with one `key:` line per signature (d=, s=, a= and the KeyTable and \
        SigningTable lines that chose it), `decision: verify`, or `decision: skip (reason)`, then one `why:` \
        line per rule consulted, each naming the file:line that answered (the InternalHosts line, the \
        SigningTable line, ...). The number of configuration warnings goes to standard error; dkimctl check lists them.

        Exit status: 0 whatever the decision, 1 when the configuration or a key cannot be loaded, 2 on usage \
        errors (such as an address that does not parse).
        """
    )

    @Option(help: "The configuration file.")
    var config: String = "/etc/opendkim.conf"

    @Option(help: "The SMTP client's IP address (IPv4 or IPv6).")
    var clientIp: String

    @Option(help: "The SMTP client's host name, as the MTA resolved it.")
    var clientHost: String?

    @Flag(help: "The client authenticated (SMTP AUTH; the {auth_type} macro is set).")
    var auth = false

    @Option(help: "The {daemon_name} macro (Postfix: milter_macro_daemon_name), for the MTA option.")
    var daemonName: String?

    @Option(name: .customLong("macro"), help: "NAME=VALUE: a macro the MTA sends, for MacroList (repeatable; braces optional).")
    var macros: [String] = []

    @Option(help: "The From header field: an address or a full value such as 'John <john@example.com>'.")
    var from: String

    func run() throws {
        guard let address = IPAddress(clientIp) else {
            throw CLIError("--client-ip \(clientIp): not an IPv4 or IPv6 address")
        }
        var macroValues: [String: String] = [:]
        for spec in macros {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
                throw CLIError("--macro wants NAME=VALUE, got \(spec)")
            }
            var name = String(spec[..<equals])
            if name.hasPrefix("{") && name.hasSuffix("}") && name.count > 2 { name = String(name.dropFirst().dropLast()) }
            let value = String(spec[spec.index(after: equals)...])
            macroValues[name] = value
            macroValues["{\(name)}"] = value
        }
        if auth && (macroValues["auth_type"] ?? "").isEmpty {
            macroValues["auth_type"] = "PLAIN"
            macroValues["{auth_type}"] = "PLAIN"
        }
        let daemon = daemonName ?? macroValues["daemon_name"]
        if let daemon {
            macroValues["daemon_name"] = daemon
            macroValues["{daemon_name}"] = daemon
        }

        let configuration: DaemonConfiguration
        let keys: LoadedKeys
        do {
            configuration = try DaemonConfiguration.load(contentsOf: config)
            keys = try KeyLoader().loadKeys(for: configuration)
        } catch {
            throw CLIError("cannot load the configuration: \(error)", exitCode: 1)
        }
        let warnings = configuration.warnings.count + keys.warnings.count
        if warnings > 0 {
            StandardStreams.warn("\(config): \(warnings) configuration warning(s); `dkimctl check --config \(config)` lists them")
        }

        let fromAddress = MailAddress.addresses(inHeaderValue: from).first
        let facts = MessageFacts(clientAddress: address, clientHostName: clientHost,
                                 authenticated: !(macroValues["auth_type"] ?? "").isEmpty, daemonName: daemon,
                                 macros: macroValues, fromAddress: fromAddress?.description)
        let decision = SigningPolicy(configuration: configuration, keys: keys).decide(facts)

        var lines: [String] = []
        switch decision.action {
        case .sign(let choices):
            lines.append("decision: sign")
            for choice in choices {
                var line = "key: d=\(choice.domain.value) s=\(choice.selector.value) a=\(choice.algorithm.rawValue)"
                if let identity = choice.identity { line += " i=\(identity)" }
                let source = choice.keyName == LoadedKeys.keyFileName ? "KeyFile" : "KeyTable"
                var origins = ["\(source) \(choice.keyLocation)"]
                if let signing = choice.signingTableLocation { origins.append("SigningTable \(signing)") }
                line += " (" + origins.joined(separator: ", ") + ")"
                lines.append(line)
            }
        case .verify:
            lines.append("decision: verify")
        case .skip(let reason):
            lines.append("decision: skip (\(reason))")
        }
        if fromAddress == nil { lines.append("note: no address found in --from \(from)") }
        if let notice = decision.externalSenderNotice { lines.append("notice: \(notice)") }
        lines += decision.reasons.map { "why: \($0)" }
        try StandardStreams.write(lines.map { $0 + "\n" }.joined())
    }
}
