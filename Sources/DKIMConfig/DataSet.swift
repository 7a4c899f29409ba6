/// OpenDKIM's "data set": the value of options such as InternalHosts, KeyTable or SigningTable, which is
/// either a list written inline or the name of a file holding one entry per line.
///
/// How the value is read (opendkim(8) DATA SETS; opendkim-db.c `dkimf_db_open`):
///
/// - `file:path` — one entry per line. `#` starts a comment anywhere on a line; blank lines are skipped. The
///   first whitespace-separated token is the key, the rest of the line (trimmed) its value.
/// - `refile:path` — the same layout, but each key is a pattern in which `*` matches anything; a query is
///   checked against the patterns in file order and the first match wins.
/// - `csl:a,b,c` or a plain `a,b,c` — entries separated by commas, each trimmed; `key=value` gives an entry
///   a value.
/// - a bare value starting with `/` is a file. OpenDKIM reads every other bare value as a list; here a bare
///   value starting with `./` or `../`, or one without commas that names an existing file, is read as a file
///   too (with a warning, since OpenDKIM would not).
/// - `db:`, `dsn:`, `ldap:`, `lua:`, `memcache:`, ... and a bare name ending in `.db` need libraries this
///   daemon does not link; they are refused with a ``ConfigError`` naming the option's line.
///
/// Relative file names are opened relative to the current directory, as OpenDKIM does (or to BaseDirectory
/// when that is set, since OpenDKIM changes to it before opening data sets).
public struct DataSet: Sendable {
    /// Where the entries came from.
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        /// Written inline in the configuration (`a,b,c` or `csl:a,b,c`).
        case list
        /// A flat file (`file:path` or a bare path).
        case file(path: String)
        /// A file of `*` patterns (`refile:path`).
        case patternFile(path: String)

        public var description: String {
            switch self {
            case .list: return "inline list"
            case .file(let path): return path
            case .patternFile(let path): return "refile:\(path)"
            }
        }
    }

    public let source: Source
    /// The entries in file (or list) order.
    public let entries: [DataSetEntry]
    /// The configuration line that named this data set.
    public let location: ConfigLocation

    public init(source: Source, entries: [DataSetEntry], location: ConfigLocation) {
        self.source = source
        self.entries = entries
        self.location = location
    }

    /// True for `refile:` data sets, whose keys are patterns.
    public var isPatternFile: Bool {
        if case .patternFile = source { return true }
        return false
    }

    /// The first entry whose key matches `query`: a `*` pattern match in a `refile:` data set, an exact
    /// comparison otherwise.
    public func firstMatch(_ query: String, caseSensitive: Bool = false) -> DataSetEntry? {
        entries.first { $0.matches(query, asPattern: isPatternFile, caseSensitive: caseSensitive) }
    }

    /// Every entry whose key matches `query`, in order.
    public func allMatches(_ query: String, caseSensitive: Bool = false) -> [DataSetEntry] {
        entries.filter { $0.matches(query, asPattern: isPatternFile, caseSensitive: caseSensitive) }
    }

    /// The keys, in order (for lists of names such as OversignHeaders or MTA).
    public var keys: [String] { entries.map(\.key) }
}

/// One line of a data set file, or one element of an inline list.
public struct DataSetEntry: Hashable, Sendable {
    /// The first token of the line (a pattern in a `refile:` data set).
    public let key: String
    /// The rest of the line, trimmed; nil when the line is a bare key.
    public let value: String?
    /// The data set file and line; for an inline list, the configuration line.
    public let location: ConfigLocation

    public init(key: String, value: String?, location: ConfigLocation) {
        self.key = key
        self.value = value
        self.location = location
    }

    func matches(_ query: String, asPattern: Bool, caseSensitive: Bool) -> Bool {
        if asPattern { return GlobPattern(key, caseSensitive: caseSensitive).matches(query) }
        return caseSensitive ? key == query : key.lowercased() == query.lowercased()
    }
}

extension DataSet {
    /// Data set types OpenDKIM knows but this daemon does not read.
    static let unsupportedTypes: Set<String> = [
        "db", "dsn", "ldap", "ldaps", "ldapi", "lua", "memcache", "mdb", "erlang", "redis", "socket",
    ]

    /// Reads the data set named by an option's value.
    ///
    /// - Parameters:
    ///   - option: the option name, for messages.
    ///   - allowPatterns: false for options OpenDKIM restricts to lists and files (MacroList).
    static func load(_ spec: String, option: String, at location: ConfigLocation, baseDirectory: String?,
                     allowPatterns: Bool = true, warnings: inout [ConfigWarning]) throws -> DataSet {
        let colon = spec.firstIndex(of: ":")
        let comma = spec.firstIndex(of: ",")
        if let colon, comma.map({ colon < $0 }) ?? true {
            let prefix = String(spec[..<colon])
            let type = prefix.lowercased()
            let rest = String(spec[spec.index(after: colon)...])
            switch type {
            case "file":
                return try readFile(rest, patterns: false, option: option, at: location, baseDirectory: baseDirectory)
            case "refile":
                guard allowPatterns else {
                    throw ConfigError.badValue(
                        "\(option) \(ConfigText.quoted(spec)): must be a list or a file:, not refile: (as in OpenDKIM)",
                        at: location)
                }
                return try readFile(rest, patterns: true, option: option, at: location, baseDirectory: baseDirectory)
            case "csl":
                return list(rest, at: location)
            default:
                if unsupportedTypes.contains(type) {
                    throw ConfigError.unsupportedDataSet(
                        "\(option): dataset type \(ConfigText.quoted(prefix)) is not supported (use file:, refile: or an inline list)",
                        at: location)
                }
                // IPv6 text ("::1", "fe80::1") also has a colon before any comma; OpenDKIM would reject it as
                // an unknown data set type, but the line clearly means a list.
                let looksLikeAddressList = prefix.allSatisfy { $0.isHexDigit }
                if !looksLikeAddressList {
                    throw ConfigError.unsupportedDataSet(
                        "\(option): unknown dataset type \(ConfigText.quoted(prefix)) (use file:, refile: or an inline list)",
                        at: location)
                }
                return list(spec, at: location)
            }
        }
        if spec.hasPrefix("/") || spec.hasPrefix("./") || spec.hasPrefix("../") {
            if spec.hasSuffix(".db") {
                throw ConfigError.unsupportedDataSet(
                    "\(option): \(ConfigText.quoted(spec)) names a Berkeley DB file (.db), which is not supported; use a flat file",
                    at: location)
            }
            if !spec.hasPrefix("/") {
                warnings.append(ConfigWarning(
                    .openDKIMDifference,
                    "\(option) \(ConfigText.quoted(spec)): read as a file; OpenDKIM would read a value not starting with / as an inline list",
                    at: location))
            }
            return try readFile(spec, patterns: false, option: option, at: location, baseDirectory: baseDirectory)
        }
        if comma == nil, spec.contains("/"), IPNetwork.parse(spec) == nil,
           FileAccess.isRegularFile(FileAccess.resolve(spec, against: baseDirectory)) {
            warnings.append(ConfigWarning(
                .openDKIMDifference,
                "\(option) \(ConfigText.quoted(spec)): read as a file; OpenDKIM would read a value not starting with / as an inline list (write file:\(spec))",
                at: location))
            return try readFile(spec, patterns: false, option: option, at: location, baseDirectory: baseDirectory)
        }
        return list(spec, at: location)
    }

    static func list(_ text: String, at location: ConfigLocation) -> DataSet {
        let entries = text.split(separator: ",").compactMap { item -> DataSetEntry? in
            let trimmed = ConfigText.trim(item)
            guard !trimmed.isEmpty else { return nil }
            if let equals = trimmed.firstIndex(of: "=") {
                let value = ConfigText.trim(trimmed[trimmed.index(after: equals)...])
                return DataSetEntry(key: ConfigText.trim(trimmed[..<equals]), value: value.isEmpty ? nil : value,
                                    location: location)
            }
            return DataSetEntry(key: trimmed, value: nil, location: location)
        }
        return DataSet(source: .list, entries: entries, location: location)
    }

    static func readFile(_ path: String, patterns: Bool, option: String, at location: ConfigLocation,
                         baseDirectory: String?) throws -> DataSet {
        guard !path.isEmpty else {
            throw ConfigError.badValue("\(option): the data set names no file", at: location)
        }
        let resolved = FileAccess.resolve(path, against: baseDirectory)
        let text: String
        switch FileAccess.readText(resolved) {
        case .success(let contents): text = contents
        case .failure(let failure):
            throw ConfigError.unreadableFile("\(option) \(resolved): \(failure.reason)", at: location)
        }
        return parseFile(text, path: resolved, patterns: patterns, location: location)
    }

    /// Parses data set file text (exposed for tests through `load`).
    static func parseFile(_ text: String, path: String, patterns: Bool, location: ConfigLocation) -> DataSet {
        var entries: [DataSetEntry] = []
        for (index, rawLine) in ConfigText.lines(text).enumerated() {
            let line = ConfigText.trim(ConfigText.strippingComment(rawLine))
            guard !line.isEmpty else { continue }
            let (key, value) = ConfigText.splitFirstToken(line)
            entries.append(DataSetEntry(key: key, value: value, location: ConfigLocation(file: path, line: index + 1)))
        }
        return DataSet(source: patterns ? .patternFile(path: path) : .file(path: path), entries: entries,
                       location: location)
    }
}
