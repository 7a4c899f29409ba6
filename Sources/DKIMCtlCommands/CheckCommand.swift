import ArgumentParser
import DKIM
import DKIMConfig
import DKIMCrypto

/// `dkimctl check`: everything `serve` would find wrong with a configuration, and more, without starting.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check an opendkim.conf, its tables and its keys without starting the milter.",
        discussion: """
        Reads the configuration and every table it names, and loads every key with the same rules as serve \
        (RequireSafeKeys, MinimumKeyBits; permissions are judged from the mode bits and owner, also when run \
        as root). Prints one line per finding, `error:` or `warning:`, with file:line where there is one: \
        unknown or unimplemented options, lines OpenDKIM would read differently (a CIDR range with host bits \
        set, a `*` line in a refile: host list), key files readable by group or others (an error when \
        RequireSafeKeys refuses them), RSA keys under 2048 bits, KeyTable lines no SigningTable line reaches, \
        SigningTable lines naming keys the KeyTable lacks, IPv6 host entries not in canonical form.

        With --dns, also fetches each KeyTable selector's published record (from --nameserver, else the \
        configuration's Nameservers, else /etc/resolv.conf) and compares it with the key: a missing or \
        different record is an error. Without --dns nothing leaves the machine.

        Ends with `check: N error(s), M warning(s)`. Exit status: 0 without errors, 1 with errors, 2 on usage \
        errors.
        """
    )

    @Option(help: "The configuration file.")
    var config: String = "/etc/opendkim.conf"

    @Flag(help: "Also compare each key with the record published in DNS.")
    var dns = false

    @OptionGroup var resolverOptions: KeyResolverOptions

    func validate() throws {
        if !dns && (!resolverOptions.nameservers.isEmpty || !resolverOptions.publicKeys.isEmpty) {
            throw ValidationError("--nameserver and --public-key are only used with --dns")
        }
    }

    func run() async throws {
        var check = ConfigurationCheck(configPath: config)
        if dns, let configuration = check.configuration {
            try await checkPublishedKeys(&check, configuration: configuration)
        }
        var output = check.findings.map { $0.line + "\n" }.joined()
        output += "check: \(check.errorCount) error(s), \(check.warningCount) warning(s)\n"
        try StandardStreams.write(output)
        if check.errorCount > 0 { throw ExitCode(1) }
    }

    /// Looks up `selector._domainkey.domain` for every loaded key and compares `p=` with the key's public half.
    private func checkPublishedKeys(_ check: inout ConfigurationCheck, configuration: DaemonConfiguration) async throws {
        var options = resolverOptions
        if options.nameservers.isEmpty { options.nameservers = configuration.nameservers }
        if options.trustAnchor == nil { options.trustAnchor = configuration.trustAnchorFile }
        let keys = check.keys
        guard !keys.isEmpty else { return }
        let (resolver, shutdown) = try options.makeResolver()
        defer { shutdown() }
        var looked: Set<String> = []
        for key in keys {
            let entry = key.entry
            guard case .fixed(let domain) = entry.domain else {
                check.add(.note, "\(entry.name): domain % (the sender's domain) cannot be looked up in advance; DNS check skipped for selector \(entry.selector.value)",
                          at: entry.location)
                continue
            }
            let name = "\(entry.selector.value)._domainkey.\(domain.value)"
            guard looked.insert(name + "\u{0}" + entry.keyPath).inserted else { continue }
            if let problem = await Self.problem(with: key.privateKey, at: name, resolver: resolver) {
                check.add(.error, "selector \(entry.selector.value), domain \(domain.value): \(problem)", at: entry.location)
            } else {
                check.add(.note, "selector \(entry.selector.value), domain \(domain.value): the record at \(name) matches the key",
                          at: entry.location)
            }
        }
    }

    /// What is wrong with the record published for `key` at `name`, or nil when it is the key's public half.
    static func problem(with key: PrivateKey, at name: String, resolver: any DKIMKeyResolver) async -> String? {
        let records: [[UInt8]]
        switch await resolver.lookupTXT(name) {
        case .found(let found, _): records = found
        case .notFound(let why): return "no key record at \(name) (\(why))"
        case .temporaryFailure(let why): return "the lookup of \(name) failed, try again later (\(why))"
        case .permanentFailure(let why): return "the lookup of \(name) failed (\(why))"
        }
        guard records.count == 1 else {
            return "\(records.count) TXT records at \(name); verifiers expect exactly one"
        }
        let published: PublicKey
        do { published = try KeyRecord(parsing: records[0]).publicKey() } catch {
            return "the record at \(name) is not a usable key record: \(error)"
        }
        guard published == key.publicKey else {
            return "the record at \(name) does not match the key (published \(published.type.rawValue) \(published.bits) bits, key \(key.type.rawValue) \(key.bits) bits)"
        }
        return nil
    }
}
