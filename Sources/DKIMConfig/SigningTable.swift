/// One SigningTable line: `pattern keyname[:signer]`.
public struct SigningTableEntry: Hashable, Sendable {
    /// The key: an address, a domain, `.domain`, `user@.domain`, `user@*` or `*`; in a `refile:` table a
    /// `*` pattern matched against `user@domain`.
    public let pattern: String
    /// The KeyTable key name; `%` means "the From domain" (opendkim.conf(5), SigningTable).
    public let keyName: String
    /// The optional second field, the `i=` identity; `%` in it stands for the From domain.
    public let signer: String?
    public let location: ConfigLocation

    public init(pattern: String, keyName: String, signer: String?, location: ConfigLocation) {
        self.pattern = pattern
        self.keyName = keyName
        self.signer = signer
        self.location = location
    }
}

/// A SigningTable line that applies to a sender, with `%` resolved.
public struct SigningTableMatch: Hashable, Sendable {
    public let entry: SigningTableEntry
    /// What was looked up when the line matched: `alice@example.com`, `example.com`, `.example.com`, `*`, ...
    public let query: String
    /// The KeyTable key to use (`%` replaced by the From domain).
    public let keyName: String
    /// The `i=` identity to use, if the line gives one (`%` replaced by the From domain).
    public let signer: String?
}

/// OpenDKIM's SigningTable: which KeyTable key(s) sign a message, chosen by its From address.
///
/// In a `refile:` table, each pattern is matched against `user@domain`, case-insensitively, in file order
/// (opendkim.conf(5), SigningTable). In any other table the lookup tries, in this order (opendkim.c
/// `dkimf_apply_signtable`): `user@domain`, `domain`, then for each parent `user@.parent` and `.parent`
/// (`user@.example.com`, `.example.com`, `user@.com`, `.com` for `foo.example.com`), then `user@*`, then `*`.
/// OpenDKIM tries those parent forms whatever SubDomains says; SubDomains only widens the Domain option.
///
/// Only the first match is used unless MultipleSignatures is on; then every match is, in that order. (In a
/// plain table OpenDKIM returns only the first line for each lookup key; here every line with that key is
/// used, and a repeated key draws a warning.)
///
/// The value is `keyname` or `keyname:signer`, split at the first colon as OpenDKIM splits data set values.
public struct SigningTable: Sendable {
    public let entries: [SigningTableEntry]
    /// True for a `refile:` table, whose keys are `*` patterns.
    public let isPatternTable: Bool
    /// The configuration line that named the SigningTable.
    public let location: ConfigLocation

    public init(entries: [SigningTableEntry], isPatternTable: Bool, location: ConfigLocation) {
        self.entries = entries
        self.isPatternTable = isPatternTable
        self.location = location
    }

    /// The lines that apply to `localPart@domain`, in the order OpenDKIM would apply them; only the first
    /// unless `all` is true.
    public func lookup(localPart: String, domain: String, all: Bool) -> [SigningTableMatch] {
        let domain = domain.lowercased()
        let address = "\(localPart)@\(domain)"
        var matches: [SigningTableMatch] = []
        func add(_ entry: SigningTableEntry, query: String) -> Bool {
            matches.append(SigningTableMatch(
                entry: entry, query: query,
                keyName: entry.keyName == "%" ? domain : entry.keyName,
                signer: entry.signer.map { $0.replacingPercent(with: domain) }))
            return !all
        }
        if isPatternTable {
            for entry in entries where GlobPattern(entry.pattern).matches(address) {
                if add(entry, query: address) { return matches }
            }
            return matches
        }
        for query in SigningTable.lookupOrder(localPart: localPart, domain: domain) {
            let lowered = query.lowercased()
            for entry in entries where entry.pattern.lowercased() == lowered {
                if add(entry, query: query) { return matches }
            }
        }
        return matches
    }

    /// `user@domain`, `domain`, then `user@.parent` and `.parent` for each parent, `user@*`, `*`.
    static func lookupOrder(localPart: String, domain: String) -> [String] {
        var order = ["\(localPart)@\(domain)", domain]
        var rest = Substring(domain)
        while let dot = rest.firstIndex(of: ".") {
            let suffix = rest[dot...]
            order.append("\(localPart)@\(suffix)")
            order.append(String(suffix))
            rest = rest[rest.index(after: dot)...]
        }
        order.append("\(localPart)@*")
        order.append("*")
        return order
    }

    static func build(from dataSet: DataSet, warnings: inout [ConfigWarning]) throws -> SigningTable {
        var entries: [SigningTableEntry] = []
        var seen: [String: ConfigLocation] = [:]
        for item in dataSet.entries {
            guard let value = item.value else {
                throw ConfigError.badTableLine(
                    "SigningTable entry \(ConfigText.quoted(item.key)) names no key; expected \"pattern keyname\"",
                    at: item.location)
            }
            if value.contains(where: ConfigText.isSpace) {
                throw ConfigError.badTableLine(
                    "SigningTable entry \(ConfigText.quoted(item.key)): \(ConfigText.quoted(value)) has more than one field; the value is keyname or keyname:signer",
                    at: item.location)
            }
            let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts[0].isEmpty else {
                throw ConfigError.badTableLine(
                    "SigningTable entry \(ConfigText.quoted(item.key)) names an empty key", at: item.location)
            }
            let signer = parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil
            if !dataSet.isPatternFile {
                if let earlier = seen[item.key.lowercased()] {
                    warnings.append(ConfigWarning(
                        .duplicate,
                        "SigningTable entry \(ConfigText.quoted(item.key)) repeats the key of \(earlier); OpenDKIM would only ever use that first line, here both apply when MultipleSignatures is on",
                        at: item.location))
                } else {
                    seen[item.key.lowercased()] = item.location
                }
            }
            entries.append(SigningTableEntry(pattern: item.key, keyName: parts[0], signer: signer, location: item.location))
        }
        return SigningTable(entries: entries, isPatternTable: dataSet.isPatternFile, location: dataSet.location)
    }
}

extension String {
    func replacingPercent(with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == "%" { result += replacement } else { result.append(character) }
        }
        return result
    }
}
