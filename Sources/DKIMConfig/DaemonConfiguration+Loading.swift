import DKIM

extension DaemonConfiguration {
    /// Reads an opendkim.conf and every data set it names (KeyTable, SigningTable, host lists, ...).
    ///
    /// Blocking file I/O: call it at start and on reload, off the event loop.
    ///
    /// - Throws: ``ConfigError`` for an unreadable file, a bad value for an option we implement, a data set
    ///   type we do not support, a table line we cannot read, or options that do not fit together. Unknown
    ///   and unimplemented options are never fatal; they end up in ``warnings``.
    public static func load(contentsOf path: String) throws -> DaemonConfiguration {
        switch FileAccess.readText(path) {
        case .success(let text):
            var configuration = try parse(text, file: path)
            configuration.sourceFile = path
            return configuration
        case .failure(let failure):
            throw ConfigError.unreadableFile("cannot read the configuration: \(failure.reason)",
                                             at: ConfigLocation(file: path, line: 0))
        }
    }

    /// Parses opendkim.conf text; `file` names it in messages. Data sets it names are read from disk.
    public static func parse(_ text: String, file: String = "(configuration)") throws -> DaemonConfiguration {
        var loader = ConfigurationLoader()
        loader.collect(try ConfigFileParser.parse(text, file: file))
        return try loader.build()
    }
}

/// Turns directives into a ``DaemonConfiguration``: the last occurrence of an option wins (OpenDKIM's
/// `config_get` finds the most recently read line), then values are checked and data sets read.
struct ConfigurationLoader {
    /// The options implemented here, by lowercased name, with their canonical spelling.
    static let implemented: [String: String] = Dictionary(uniqueKeysWithValues: [
        "AlwaysAddARHeader", "AuthservID", "AutoRestart", "AutoRestartRate", "Background", "BaseDirectory",
        "Canonicalization", "DNSTimeout", "Domain", "ExternalIgnoreList", "InternalHosts", "KeyFile", "KeyTable",
        "LogResults", "LogWhy", "MacroList", "MaximumHeaders", "MaximumSignaturesToVerify", "MetricsListen",
        "MinimumKeyBits", "Mode", "MTA", "MultipleSignatures", "Nameservers", "OmitHeaders", "OversignHeaders",
        "PeerList", "PidFile", "RequireSafeKeys", "Selector", "SignatureAlgorithm", "SignHeaders",
        "SigningTable", "Socket", "SubDomains", "Syslog", "SyslogFacility", "SyslogSuccess", "TrustAnchorFile",
        "UMask", "UserID",
    ].map { ($0.lowercased(), $0) })

    static let syslogFacilities: Set<String> = [
        "auth", "cron", "daemon", "kern", "lpr", "mail", "news", "security", "syslog", "user", "uucp",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]

    private var settings: [String: ConfigDirective] = [:]
    private var warnings: [ConfigWarning] = []

    mutating func collect(_ directives: [ConfigDirective]) {
        var reported: Set<String> = []
        for directive in directives {
            if let canonical = ConfigurationLoader.implemented[directive.key] {
                if let earlier = settings[canonical] {
                    warnings.append(ConfigWarning(
                        .duplicate, "\(canonical) is set again; this line overrides \(earlier.location)",
                        at: directive.location))
                }
                settings[canonical] = directive
            } else if reported.insert(directive.key).inserted {
                if OpenDKIMOptionNames.notImplemented.contains(directive.key) {
                    warnings.append(ConfigWarning(
                        .notImplemented, "\(directive.name): OpenDKIM option not implemented, ignored",
                        at: directive.location))
                } else {
                    warnings.append(ConfigWarning(
                        .unknownOption, "\(directive.name): unknown option, ignored", at: directive.location))
                }
            }
        }
    }

    func build() throws -> DaemonConfiguration {
        var config = DaemonConfiguration()
        var warnings = self.warnings
        for (name, directive) in settings.sorted(by: { $0.value.location.line < $1.value.location.line }) {
            config.optionLocations[name] = directive.location
            if directive.value.isEmpty {
                throw ConfigError.badValue("\(name) needs a value", at: directive.location)
            }
        }
        func value(_ name: String) -> ConfigDirective? { settings[name] }

        // Process and logging.
        if let d = value("Socket") { config.socket = d.value }
        if let d = value("UserID") {
            guard let parsed = UserAndGroup(d.value) else { throw bad(d, "expected user or user:group") }
            config.userID = parsed
        }
        if let d = value("UMask") {
            config.umask = try octal(d)
            if !d.value.hasPrefix("0"), d.value.count > 1 {
                warnings.append(ConfigWarning(
                    .openDKIMDifference,
                    "UMask \(d.value) is read as octal 0\(d.value); OpenDKIM would read a value without a leading 0 as decimal",
                    at: d.location))
            }
        }
        if let d = value("PidFile") { config.pidFile = d.value }
        if let d = value("Background") { config.background = try bool(d) }
        if let d = value("AutoRestart") { config.autoRestart = try bool(d) }
        if let d = value("AutoRestartRate") {
            guard let rate = AutoRestartRate(d.value) else {
                throw bad(d, "expected restarts/interval with an optional unit s, m, h or d (10/1h)")
            }
            config.autoRestartRate = rate
        }
        if let d = value("BaseDirectory") { config.baseDirectory = d.value }
        if let d = value("MetricsListen") {
            guard let listen = MetricsListen(d.value) else { throw bad(d, "expected HOST:PORT, with [ ] around an IPv6 address") }
            config.metricsListen = listen
        }
        if let d = value("Syslog") { config.syslog = try bool(d) }
        if let d = value("SyslogFacility") {
            guard ConfigurationLoader.syslogFacilities.contains(d.value.lowercased()) else {
                throw bad(d, "expected a syslog facility such as mail, daemon or local0...local7")
            }
            config.syslogFacility = d.value.lowercased()
        }
        if let d = value("SyslogSuccess") { config.syslogSuccess = try bool(d) }
        if let d = value("LogWhy") { config.logWhy = try bool(d) }
        if let d = value("LogResults") { config.logResults = try bool(d) }

        // Signing and verifying parameters.
        if let d = value("Mode") {
            guard let mode = OperatingMode(d.value) else { throw bad(d, "expected s, v or sv") }
            config.mode = mode
        }
        if let d = value("Canonicalization") {
            guard let canonicalization = Canonicalization(d.value) else { throw bad(d, "expected simple or relaxed") }
            config.canonicalization = canonicalization
        }
        if let d = value("SignatureAlgorithm") {
            switch d.value.lowercased() {
            case "rsa-sha256": config.signatureAlgorithm = .rsaSHA256
            case "ed25519-sha256": config.signatureAlgorithm = .ed25519SHA256
            case "rsa-sha1":
                warnings.append(ConfigWarning(
                    .ineffective, "SignatureAlgorithm rsa-sha1 must not be used for signing (RFC 8301); signing with rsa-sha256",
                    at: d.location))
                config.signatureAlgorithm = .rsaSHA256
            default: throw bad(d, "expected rsa-sha256 or ed25519-sha256")
            }
        }
        if let d = value("MultipleSignatures") { config.multipleSignatures = try bool(d) }
        if let d = value("SubDomains") { config.subDomains = try bool(d) }
        if let d = value("RequireSafeKeys") { config.requireSafeKeys = try bool(d) }
        if let d = value("MinimumKeyBits") {
            config.minimumKeyBits = try integer(d, minimum: 0, expected: "expected a whole number of bits")
        }
        if let d = value("AuthservID") { config.authservID = d.value == "HOSTNAME" ? .hostName : .literal(d.value) }
        if let d = value("AlwaysAddARHeader") { config.alwaysAddARHeader = try bool(d) }
        if let d = value("Nameservers") {
            config.nameservers = d.value.split(separator: ",").map { ConfigText.trim($0) }.filter { !$0.isEmpty }
        }
        if let d = value("TrustAnchorFile") { config.trustAnchorFile = d.value }
        if let d = value("DNSTimeout") {
            config.dnsTimeout = try integer(d, minimum: 0, expected: "expected a number of seconds, 0 or more")
        }
        if let d = value("MaximumSignaturesToVerify") {
            config.maximumSignaturesToVerify = try integer(d, minimum: 0, expected: "expected a number, 0 or more")
        }
        if let d = value("MaximumHeaders") {
            config.maximumHeaders = try integer(d, minimum: 0, expected: "expected a number of bytes, 0 for no limit")
        }

        // Data sets.
        let base = config.baseDirectory
        func dataSet(_ name: String, allowPatterns: Bool = true) throws -> DataSet? {
            guard let d = value(name) else { return nil }
            return try DataSet.load(d.value, option: name, at: d.location, baseDirectory: base,
                                    allowPatterns: allowPatterns, warnings: &warnings)
        }
        if let set = try dataSet("InternalHosts") {
            config.internalHosts = try HostList.build(from: set, option: "InternalHosts", warnings: &warnings)
        }
        if let set = try dataSet("ExternalIgnoreList") {
            config.externalIgnoreList = try HostList.build(from: set, option: "ExternalIgnoreList", warnings: &warnings)
        }
        if let set = try dataSet("PeerList") {
            config.peerList = try HostList.build(from: set, option: "PeerList", warnings: &warnings)
        }
        config.mtaNames = try dataSet("MTA")
        if let set = try dataSet("MacroList", allowPatterns: false) { config.macroList = MacroList.build(from: set) }
        config.signHeaders = try dataSet("SignHeaders")?.keys
        config.omitHeaders = try dataSet("OmitHeaders")?.keys
        if let set = try dataSet("OversignHeaders") { config.oversignHeaders = set.keys }

        if let set = try dataSet("KeyTable") {
            config.keyTable = try KeyTable.build(from: set, warnings: &warnings)
            for ignored in ["Domain", "KeyFile", "Selector"] {
                if let d = value(ignored) {
                    warnings.append(ConfigWarning(.ineffective, "\(ignored) is ignored because KeyTable is set", at: d.location))
                }
            }
        } else {
            config.domains = try dataSet("Domain")
            if let d = value("KeyFile") { config.keyFile = d.value }
            if let d = value("Selector") {
                guard let selector = Selector(d.value) else { throw bad(d, "expected a DKIM selector such as mail or 2024a") }
                config.selector = selector
            }
        }
        if let set = try dataSet("SigningTable") {
            config.signingTable = try SigningTable.build(from: set, warnings: &warnings)
        }

        try checkSigningSetUp(config, warnings: &warnings)
        config.warnings = warnings
        return config
    }

    /// OpenDKIM's start-up checks for signing mode (opendkim.c `dkimf_config_load`), with its combinations:
    /// Domain + KeyFile + Selector, or KeyTable + SigningTable; and every SigningTable key must exist.
    private func checkSigningSetUp(_ config: DaemonConfiguration, warnings: inout [ConfigWarning]) throws {
        guard config.mode.contains(.sign) else { return }
        if let signing = value("SigningTable"), config.keyTable == nil {
            throw ConfigError.inconsistent("SigningTable requires KeyTable", at: signing.location)
        }
        if let keys = value("KeyTable"), config.signingTable == nil {
            throw ConfigError.inconsistent("KeyTable requires SigningTable", at: keys.location)
        }
        if config.keyTable == nil {
            let keyFile = value("KeyFile"), selector = value("Selector")
            if (keyFile == nil) != (selector == nil) {
                throw ConfigError.inconsistent("KeyFile and Selector must both be set or both be unset",
                                               at: (keyFile ?? selector)!.location)
            }
            if let domain = value("Domain"), keyFile == nil {
                throw ConfigError.inconsistent("Domain requires KeyFile and Selector", at: domain.location)
            }
            if let keyFile, value("Domain") == nil {
                warnings.append(ConfigWarning(
                    .ineffective, "KeyFile without Domain: no mail will be signed (set Domain, or * for every domain)",
                    at: keyFile.location))
            }
        }
        if let table = config.signingTable, let keyTable = config.keyTable {
            for entry in table.entries where entry.keyName != "%" && keyTable.entry(named: entry.keyName) == nil {
                var message = "SigningTable entry \(ConfigText.quoted(entry.pattern)) names key \(ConfigText.quoted(entry.keyName)), which is not in the KeyTable (\(keyTable.location))"
                if let near = keyTable.entries.first(where: { $0.name.lowercased() == entry.keyName.lowercased() }) {
                    message += "; \(near.location) has \(ConfigText.quoted(near.name)), and key names are case-sensitive"
                }
                throw ConfigError.badTableLine(message, at: entry.location)
            }
        }
    }

    private func value(_ name: String) -> ConfigDirective? { settings[name] }

    private func bad(_ d: ConfigDirective, _ expectation: String) -> ConfigError {
        ConfigError.badValue("\(d.name) \(ConfigText.quoted(d.value)): \(expectation)", at: d.location)
    }

    /// OpenDKIM reads only the first character: T, t, Y, y, 1 or F, f, N, n, 0 (opendkim.conf(5)).
    private func bool(_ d: ConfigDirective) throws -> Bool {
        switch d.value.first {
        case "t", "T", "y", "Y", "1": return true
        case "f", "F", "n", "N", "0": return false
        default: throw bad(d, "expected yes or no")
        }
    }

    /// An integer as C's `strtol(value, &end, 0)` reads it (OpenDKIM's integer options): decimal, `0x` hex or
    /// leading-`0` octal, nothing after the digits.
    private func integer(_ d: ConfigDirective, minimum: Int, expected: String) throws -> Int {
        var text = Substring(d.value)
        var negative = false
        if let sign = text.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            text = text.dropFirst()
        }
        var radix = 10
        if text.count > 2, text.lowercased().hasPrefix("0x") {
            radix = 16
            text = text.dropFirst(2)
        } else if text.count > 1, text.hasPrefix("0") {
            radix = 8
            text = text.dropFirst()
        }
        guard !text.isEmpty, text.count <= 12, let magnitude = Int(text, radix: radix) else { throw bad(d, expected) }
        let result = negative ? -magnitude : magnitude
        guard result >= minimum, result <= Int(Int32.max) else { throw bad(d, expected) }
        return result
    }

    /// UMask is always read as octal (`007`, `002`, `022`). OpenDKIM's `strtol(..., 0)` would read a value
    /// without a leading 0 as decimal; nobody means a umask in decimal, so the caller warns about such values.
    private func octal(_ d: ConfigDirective) throws -> UInt32 {
        var text = Substring(d.value)
        if text.lowercased().hasPrefix("0o") { text = text.dropFirst(2) }
        guard !text.isEmpty, text.count <= 4, let mask = UInt32(text, radix: 8), mask <= 0o777 else {
            throw bad(d, "expected an octal mask such as 007 or 022")
        }
        return mask
    }
}
