public import DKIM

/// The signing domain a KeyTable line names: a fixed domain, or `%`, the domain of the message's From address.
public enum KeyTableDomain: Hashable, Sendable, CustomStringConvertible {
    case fixed(DomainName)
    /// `%` in the KeyTable: "the apparent domain of the sender" (opendkim.conf(5), KeyTable).
    case senderDomain

    /// The `d=` domain for a message whose From domain is `senderDomain`.
    public func resolved(senderDomain: DomainName) -> DomainName {
        switch self {
        case .fixed(let domain): return domain
        case .senderDomain: return senderDomain
        }
    }

    public var description: String {
        switch self {
        case .fixed(let domain): return domain.value
        case .senderDomain: return "%"
        }
    }
}

/// One KeyTable line: `name domain:selector:keypath`.
public struct KeyTableEntry: Hashable, Sendable {
    /// The key name the SigningTable refers to (`mail._domainkey.example.com` in the setup guide).
    public let name: String
    public let domain: KeyTableDomain
    public let selector: Selector
    /// The private key file as written (relative paths are relative to the current directory, or to
    /// BaseDirectory when that is set).
    public let keyPath: String
    public let location: ConfigLocation

    public init(name: String, domain: KeyTableDomain, selector: Selector, keyPath: String, location: ConfigLocation) {
        self.name = name
        self.domain = domain
        self.selector = selector
        self.keyPath = keyPath
        self.location = location
    }
}

/// OpenDKIM's KeyTable: key names mapped to a signing domain, a selector and a private key file.
///
/// Each line is `name domain:selector:keypath` (opendkim.conf(5), KeyTable; the value is split at colons,
/// the last field taking the rest). A domain of `%` means the From domain of the message. OpenDKIM also lets
/// the third field be the key itself (PEM or base64 DER) when it does not start with `/`, `./` or `../`;
/// keys are loaded once at start here and must be files, so inline key data is refused with a clear error,
/// and a relative path that does not start with `./` (which OpenDKIM would take for key data) is read as a
/// path with a warning. A `%` inside the key path (OpenDKIM substitutes the sender's domain per message) is
/// refused for the same reason.
///
/// Lookups are by exact key name, case-sensitive, as OpenDKIM's (the KeyTable is the one data set it does
/// not open case-insensitively). In a `refile:` KeyTable, such as the setup guide's, a name is first looked
/// up exactly and only then matched against names containing `*`, in file order. A name given twice is
/// warned about; the first line wins, as in OpenDKIM.
public struct KeyTable: Sendable {
    public let entries: [KeyTableEntry]
    /// The configuration line that named the KeyTable.
    public let location: ConfigLocation
    let patternNames: Bool

    public init(entries: [KeyTableEntry], location: ConfigLocation, namesArePatterns: Bool = false) {
        self.entries = entries
        self.location = location
        self.patternNames = namesArePatterns
    }

    /// The line for key `name`: an exact match first, then (in a `refile:` table) the first `*` pattern.
    public func entry(named name: String) -> KeyTableEntry? {
        if let exact = entries.first(where: { $0.name == name }) { return exact }
        guard patternNames else { return nil }
        return entries.first { $0.name.contains("*") && GlobPattern($0.name, caseSensitive: true).matches(name) }
    }

    static func build(from dataSet: DataSet, warnings: inout [ConfigWarning]) throws -> KeyTable {
        var entries: [KeyTableEntry] = []
        var firstLine: [String: ConfigLocation] = [:]
        for item in dataSet.entries {
            let entry = try parse(item, warnings: &warnings)
            if let earlier = firstLine[entry.name] {
                warnings.append(ConfigWarning(
                    .duplicate,
                    "KeyTable key \(ConfigText.quoted(entry.name)) is already defined at \(earlier); that first line is used, as in OpenDKIM",
                    at: item.location))
                continue
            }
            firstLine[entry.name] = item.location
            entries.append(entry)
        }
        return KeyTable(entries: entries, location: dataSet.location, namesArePatterns: dataSet.isPatternFile)
    }

    static func parse(_ item: DataSetEntry, warnings: inout [ConfigWarning]) throws -> KeyTableEntry {
        let name = item.key
        guard let value = item.value else {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)) has no value; expected \"name domain:selector:keypath\"",
                at: item.location)
        }
        let fields = value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3 else {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): \(ConfigText.quoted(value)) is not domain:selector:keypath (\(fields.count == 1 ? "no colons" : "only one colon"))",
                at: item.location)
        }
        let domainText = ConfigText.trim(fields[0])
        let selectorText = ConfigText.trim(fields[1])
        let keyText = ConfigText.trim(fields[2])

        let domain: KeyTableDomain
        if domainText == "%" {
            domain = .senderDomain
        } else if let parsed = DomainName(domainText), HostList.isHostName(parsed.value) {
            domain = .fixed(parsed)
        } else {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): \(ConfigText.quoted(domainText)) is not a domain name (or %)",
                at: item.location)
        }
        guard let selector = Selector(selectorText) else {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): \(ConfigText.quoted(selectorText)) is not a valid selector",
                at: item.location)
        }
        guard !keyText.isEmpty else {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): the private key path is empty", at: item.location)
        }
        if keyText.hasPrefix("-----") || looksLikeBase64KeyData(keyText) {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): the third field looks like inline key data; put the key in a file (chmod 600) and give its path",
                at: item.location)
        }
        if keyText.contains("%") {
            throw ConfigError.badTableLine(
                "KeyTable key \(ConfigText.quoted(name)): key path \(ConfigText.quoted(keyText)) contains %, which OpenDKIM replaces per message; keys are loaded once at start here, so give each domain its own KeyTable line",
                at: item.location)
        }
        if !(keyText.hasPrefix("/") || keyText.hasPrefix("./") || keyText.hasPrefix("../")) {
            warnings.append(ConfigWarning(
                .openDKIMDifference,
                "KeyTable key \(ConfigText.quoted(name)): \(ConfigText.quoted(keyText)) is read as a path relative to the current directory; OpenDKIM would take a value not starting with /, ./ or ../ for inline key data (write ./\(keyText))",
                at: item.location))
        }
        return KeyTableEntry(name: name, domain: domain, selector: selector, keyPath: keyText, location: item.location)
    }

    /// Base64 DER of any real key is long and has no dots; a path almost always has a dot or is short.
    static func looksLikeBase64KeyData(_ text: String) -> Bool {
        text.utf8.count >= 60 && !text.contains(".")
            && text.utf8.allSatisfy { ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2F || $0 == 0x3D }
    }
}
