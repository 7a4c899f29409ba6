/// A list of SMTP clients: InternalHosts (whose mail we sign), ExternalIgnoreList (whose attempts to send as
/// a signing domain are not worth a warning) and PeerList (whose connections we leave alone).
///
/// Entries, one per line or comma-separated (opendkim.conf(5), PeerList):
///
/// - an IPv4 or IPv6 address in any text form, optionally in square brackets; IPv6 is compared as 16 bytes,
///   and an IPv4-mapped client address (`::ffff:192.0.2.1`) matches IPv4 entries;
/// - a CIDR range `192.168.0.0/16` or `2001:db8::/32`;
/// - a host name, matched case-insensitively against the client's host name from the MTA;
/// - `.example.com`, which matches every host *below* example.com (not example.com itself);
/// - `*.example.com`, meant the same way, and in general any `*` pattern, matched against the host name and
///   the address text;
/// - any of these after `!`, which excludes.
///
/// Precedence follows OpenDKIM (util.c `dkimf_checkhost`, `dkimf_checkip`): host names are tried first, from
/// the full name through ever shorter `.parent` suffixes, then the address from the exact address through
/// ever shorter prefixes; the most precise entry decides, and at equal precision an exclusion beats an
/// inclusion, so `192.168.1.1` wins over `!192.168.1.0/24` and `!192.168.1.1` over `192.168.1.0/24`. As in
/// OpenDKIM the name and the address are judged separately: a client is listed when either its name or its
/// address is included.
///
/// Lines OpenDKIM would read differently are matched as evidently meant, and the loader warns about each once:
/// a CIDR range written with host bits (`192.168.0.1/24`, which OpenDKIM never matches), a `*.domain` entry
/// in a plain list (OpenDKIM looks entries up literally), and a `refile:` line starting with `*` (which in
/// OpenDKIM also matches its own `!host` probe and so *excludes* the hosts it names).
public struct HostList: Sendable {
    public let entries: [HostListEntry]

    public init(entries: [HostListEntry]) {
        self.entries = entries
    }

    /// A list that matches nothing.
    public static let empty = HostList(entries: [])

    /// OpenDKIM's InternalHosts when the option is absent: `127.0.0.1` and `::1` (opendkim.h `DEFINTERNAL`,
    /// `csl:127.0.0.1,::1`). `localhost` is not in it.
    public static let openDKIMDefaultInternalHosts = HostList(entries: [
        HostListEntry(pattern: .address(IPAddress("127.0.0.1")!), isExclusion: false, text: "127.0.0.1",
                      location: .builtIn),
        HostListEntry(pattern: .address(IPAddress("::1")!), isExclusion: false, text: "::1", location: .builtIn),
    ])

    public var isEmpty: Bool { entries.isEmpty }

    /// The entry that decides whether a client is on the list, or nil when no entry applies.
    ///
    /// The result may be an exclusion (`isExclusion`), so that logs can say which `!` line kept a client out.
    /// Either argument may be nil; a host name in square brackets (the MTA's "no name" form) is ignored.
    public func match(address: IPAddress?, hostName: String?) -> HostListMatch? {
        var exclusion: HostListMatch?
        if let name = HostList.normalizedHostName(hostName) {
            let ranked = entries.enumerated().compactMap { i, e in e.nameRank(name).map { ($0, i, e) } }
            if let best = best(ranked, matched: name) {
                if !best.isExclusion { return best }
                exclusion = best
            }
        }
        if let address = address?.unmapped {
            let text = address.description
            let ranked = entries.enumerated().compactMap { i, e in e.addressRank(address, text: text).map { ($0, i, e) } }
            if let best = best(ranked, matched: text) {
                if !best.isExclusion { return best }
                if exclusion == nil { exclusion = best }
            }
        }
        return exclusion
    }

    /// Whether the client is on the list (matched by an entry that is not an exclusion).
    public func contains(address: IPAddress?, hostName: String?) -> Bool {
        match(address: address, hostName: hostName)?.isExclusion == false
    }

    private func best(_ ranked: [(rank: Int, index: Int, entry: HostListEntry)], matched: String) -> HostListMatch? {
        let winner = ranked.min { a, b in
            if a.rank != b.rank { return a.rank > b.rank }
            if a.entry.isExclusion != b.entry.isExclusion { return a.entry.isExclusion }
            return a.index < b.index
        }
        return winner.map { HostListMatch(entry: $0.entry, matched: matched) }
    }

    static func normalizedHostName(_ name: String?) -> String? {
        guard var name = name.map({ ConfigText.trim($0).lowercased() }), !name.isEmpty, !name.hasPrefix("[")
        else { return nil }
        if name.hasSuffix(".") { name.removeLast() }
        return name.isEmpty ? nil : name
    }
}

/// One line (or list element) of a host list.
public struct HostListEntry: Hashable, Sendable {
    public enum Pattern: Hashable, Sendable {
        /// One address (IPv4-mapped IPv6 entries are stored as IPv4).
        case address(IPAddress)
        /// A CIDR range, host bits cleared.
        case network(IPNetwork)
        /// An exact host name, lowercased, without a trailing dot.
        case hostName(String)
        /// Every host below this domain (`.example.com`, `*.example.com`).
        case subdomains(of: String)
        /// Any other `*` pattern, matched against host name and address text.
        case pattern(GlobPattern)
    }

    public let pattern: Pattern
    /// True for `!` entries.
    public let isExclusion: Bool
    /// The entry as written, including any `!`.
    public let text: String
    public let location: ConfigLocation

    public init(pattern: Pattern, isExclusion: Bool, text: String, location: ConfigLocation) {
        self.pattern = pattern
        self.isExclusion = isExclusion
        self.text = text
        self.location = location
    }

    // Rank for host-name matching: an exact name beats any suffix, a longer suffix beats a shorter one, a
    // general pattern comes last.
    fileprivate func nameRank(_ name: String) -> Int? {
        switch pattern {
        case .hostName(let host):
            return host == name ? 10_000 : nil
        case .subdomains(of: let domain):
            guard name.hasSuffix("." + domain) else { return nil }
            return 1 + domain.split(separator: ".").count
        case .pattern(let glob):
            return glob.matches(name) ? 0 : nil
        case .address, .network:
            return nil
        }
    }

    // Rank for address matching: the prefix length (an exact address counts as a full-length prefix).
    fileprivate func addressRank(_ address: IPAddress, text: String) -> Int? {
        switch pattern {
        case .address(let entry):
            return entry == address ? 1 + address.bitCount : nil
        case .network(let network):
            return network.contains(address) ? 1 + network.prefixLength : nil
        case .pattern(let glob):
            return glob.matches(text) ? 0 : nil
        case .hostName, .subdomains:
            return nil
        }
    }
}

/// The entry that decided a host-list lookup, and what it matched (the host name or the address text).
public struct HostListMatch: Hashable, Sendable, CustomStringConvertible {
    public let entry: HostListEntry
    public let matched: String

    /// True when the deciding entry is a `!` exclusion: the client is *not* on the list.
    public var isExclusion: Bool { entry.isExclusion }

    public var description: String {
        "\(entry.location) (\(entry.text)) \(isExclusion ? "excludes" : "matches") \(matched)"
    }
}

extension HostList {
    /// Builds a host list from a data set, classifying each entry; `option` names it in messages.
    static func build(from dataSet: DataSet, option: String, warnings: inout [ConfigWarning]) throws -> HostList {
        let entries = try dataSet.entries.map { item in
            try classify(item.key, option: option, inPatternFile: dataSet.isPatternFile, location: item.location,
                         warnings: &warnings)
        }
        return HostList(entries: entries)
    }

    static func classify(_ raw: String, option: String, inPatternFile: Bool, location: ConfigLocation,
                         warnings: inout [ConfigWarning]) throws -> HostListEntry {
        let isExclusion = raw.hasPrefix("!")
        let body = isExclusion ? String(raw.dropFirst()) : raw
        func entry(_ pattern: HostListEntry.Pattern) -> HostListEntry {
            HostListEntry(pattern: pattern, isExclusion: isExclusion, text: raw, location: location)
        }
        guard !body.isEmpty else {
            throw ConfigError.badTableLine("\(option) entry \(ConfigText.quoted(raw)) is empty", at: location)
        }

        if body.contains("*") {
            let afterStar = body.dropFirst(2)
            let subdomainForm = body.hasPrefix("*.") && !afterStar.isEmpty && !afterStar.contains("*")
            if inPatternFile && body.hasPrefix("*") {
                warnings.append(ConfigWarning(
                    .openDKIMDifference,
                    "\(option) entry \(ConfigText.quoted(raw)): in a refile: list OpenDKIM also matches this pattern against its own \"!name\" exclusion probe, so there it keeps these hosts OUT; here it lets them in as written",
                    at: location))
            } else if !inPatternFile {
                warnings.append(ConfigWarning(
                    .openDKIMDifference,
                    "\(option) entry \(ConfigText.quoted(raw)): OpenDKIM looks plain list entries up literally and never matches a \"*\"; matching it as a pattern here\(subdomainForm ? " (OpenDKIM's own form is \".\(afterStar)\")" : "")",
                    at: location))
            }
            if subdomainForm {
                return entry(.subdomains(of: String(afterStar).lowercased().trimmingTrailingDot()))
            }
            return entry(.pattern(GlobPattern(body)))
        }

        if body.contains("/") {
            guard let (network, hadHostBits) = IPNetwork.parse(body) else {
                throw ConfigError.badTableLine(
                    "\(option) entry \(ConfigText.quoted(raw)) is not a valid CIDR range (address/prefix-length)",
                    at: location)
            }
            if hadHostBits {
                warnings.append(ConfigWarning(
                    .openDKIMDifference,
                    "\(option) entry \(ConfigText.quoted(raw)) has host bits set; matching \(network) as evidently meant (OpenDKIM never matches a range written this way; write \(isExclusion ? "!" : "")\(network))",
                    at: location))
            }
            return entry(.network(network.unmapped))
        }

        if let address = IPAddress(body) {
            return entry(.address(address.unmapped))
        }

        if body.hasPrefix(".") {
            let domain = String(body.dropFirst()).lowercased().trimmingTrailingDot()
            guard isHostName(domain) else {
                throw ConfigError.badTableLine(
                    "\(option) entry \(ConfigText.quoted(raw)) is not an address, a range or a host name", at: location)
            }
            return entry(.subdomains(of: domain))
        }

        let name = body.lowercased().trimmingTrailingDot()
        guard isHostName(name) else {
            throw ConfigError.badTableLine(
                "\(option) entry \(ConfigText.quoted(raw)) is not an address, a range or a host name", at: location)
        }
        return entry(.hostName(name))
    }

    /// Letters, digits, `-`, `_` and dots between non-empty labels.
    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63
                && label.utf8.allSatisfy { ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
        }
    }
}

extension String {
    func trimmingTrailingDot() -> String {
        hasSuffix(".") ? String(dropLast()) : self
    }
}
