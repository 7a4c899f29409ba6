/// A resolver setting that cannot be used: a bad `Nameservers` entry, an unreadable trust anchor
/// file, or an option libunbound refused.
///
/// A struct with a private code, so that new cases can be added without breaking callers; two errors are
/// equal when their kind is, whatever the detail says.
public struct DNSConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidNameserver
        case invalidTimeout
        case trustAnchor
        case unbound
    }

    private let code: Code
    /// Human-readable detail: the offending input and why it was refused.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// A nameserver that is not `IP` or `IP@PORT` with an IPv4/IPv6 literal and a port in 1...65535.
    public static func invalidNameserver(_ detail: String) -> Self { .init(.invalidNameserver, detail) }
    /// A lookup timeout that is zero or negative.
    public static func invalidTimeout(_ detail: String) -> Self { .init(.invalidTimeout, detail) }
    /// A trust anchor file that is missing, unreadable or rejected by libunbound.
    public static func trustAnchor(_ detail: String) -> Self { .init(.trustAnchor, detail) }
    /// libunbound refused to create or configure its context.
    public static func unbound(_ detail: String) -> Self { .init(.unbound, detail) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        switch code {
        case .invalidNameserver: return "invalid nameserver: \(detail)"
        case .invalidTimeout: return "invalid DNS timeout: \(detail)"
        case .trustAnchor: return "trust anchor: \(detail)"
        case .unbound: return "libunbound: \(detail)"
        }
    }
}
