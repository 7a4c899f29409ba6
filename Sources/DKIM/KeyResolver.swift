/// Whether a DNS answer was DNSSEC-validated. `unknown` when no trust anchor is configured.
public enum DNSSECStatus: String, Sendable, Hashable {
    case secure
    case insecure
    case bogus
    case unknown
}

/// The outcome of one TXT lookup, as a value: DKIM maps each case onto a verification result
/// (RFC 6376 §6.1.2: no record is a permanent failure, a timeout or SERVFAIL a temporary one).
public enum TXTLookupResult: Sendable, Hashable {
    /// One entry per TXT record; the record's character-strings already joined without separators.
    case found([[UInt8]], dnssec: DNSSECStatus)
    /// NXDOMAIN, or the name exists with no TXT record.
    case notFound(String)
    /// Timeout, SERVFAIL, network failure: try again later.
    case temporaryFailure(String)
    /// Anything else that will not get better by retrying (e.g. a DNSSEC-bogus answer).
    case permanentFailure(String)
}

/// The only way DNS enters the DKIM core, so that the core stays free of I/O and tests inject answers.
public protocol DKIMKeyResolver: Sendable {
    /// Looks up the TXT records at `name`, e.g. `mail._domainkey.example.com` (no trailing dot).
    func lookupTXT(_ name: String) async -> TXTLookupResult
}

/// A fixed table of answers: for tests and for `dkimctl verify --public-key`.
public struct StaticKeyResolver: DKIMKeyResolver {
    private let records: [String: [[UInt8]]]

    /// `records` maps a query name (case-insensitive, trailing dot optional) to its TXT records.
    public init(_ records: [String: [String]]) {
        var table: [String: [[UInt8]]] = [:]
        for (name, texts) in records {
            table[Self.normalize(name), default: []].append(contentsOf: texts.map { Array($0.utf8) })
        }
        self.records = table
    }

    private static func normalize(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }

    public func lookupTXT(_ name: String) async -> TXTLookupResult {
        if let found = records[Self.normalize(name)] { return .found(found, dnssec: .unknown) }
        return .notFound("no TXT record for \(name)")
    }
}
