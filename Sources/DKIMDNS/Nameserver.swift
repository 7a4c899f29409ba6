#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One DNS server to forward queries to, written `HOST` or `HOST@PORT` as in OpenDKIM's `Nameservers`
/// option and libunbound's `ub_ctx_set_fwd` (e.g. `192.0.2.1`, `127.0.0.1@5353`, `::1@5353`).
///
/// Only IP literals: a resolver cannot need DNS to find its own server. `@` rather than `:` separates the
/// port so that IPv6 literals need no brackets.
///
/// - SeeAlso: [RFC 1035 §4.2](https://www.rfc-editor.org/rfc/rfc1035#section-4.2)
public struct Nameserver: Sendable, Hashable, CustomStringConvertible {
    /// The address in canonical text form (`inet_ntop`), so `::0001` and `::1` compare equal.
    public let host: String
    /// The UDP/TCP port, 53 unless given.
    public let port: UInt16
    /// Whether `host` is an IPv6 literal.
    public let isIPv6: Bool

    /// Checks that `host` is an IPv4 or IPv6 literal and that `port` is not zero.
    public init(host: String, port: UInt16 = 53) throws(DNSConfigurationError) {
        guard port != 0 else { throw .invalidNameserver("port 0 for \(host)") }
        guard let (canonical, isIPv6) = Self.canonicalAddress(host) else {
            throw .invalidNameserver("'\(host)' is not an IPv4 or IPv6 address")
        }
        self.host = canonical
        self.port = port
        self.isIPv6 = isIPv6
    }

    /// Parses `HOST` or `HOST@PORT`; surrounding blanks are ignored.
    public init(parsing text: String) throws(DNSConfigurationError) {
        let trimmed = Self.trimmed(text)
        guard !trimmed.isEmpty else { throw .invalidNameserver("empty entry") }
        guard let at = trimmed.lastIndex(of: "@") else {
            try self.init(host: trimmed)
            return
        }
        let host = String(trimmed[..<at])
        let portText = trimmed[trimmed.index(after: at)...]
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = UInt16(portText), port != 0
        else {
            throw .invalidNameserver("bad port '\(portText)' in '\(trimmed)'")
        }
        try self.init(host: host, port: port)
    }

    /// Parses OpenDKIM's `Nameservers` value: a comma-separated list, e.g. `127.0.0.1, ::1@5353`.
    /// An empty entry or an empty list is an error, since it would silently fall back to resolv.conf.
    public static func parseList(_ value: String) throws(DNSConfigurationError) -> [Nameserver] {
        var result: [Nameserver] = []
        for entry in value.split(separator: ",", omittingEmptySubsequences: false) {
            result.append(try Nameserver(parsing: String(entry)))
        }
        return result
    }

    /// `HOST@PORT`, the form `ub_ctx_set_fwd` takes.
    public var description: String { "\(host)@\(port)" }

    private static func trimmed(_ text: String) -> String {
        let blanks: Set<Character> = [" ", "\t", "\r", "\n"]
        let leading = text.drop(while: { blanks.contains($0) })
        return String(leading.reversed().drop(while: { blanks.contains($0) }).reversed())
    }

    /// `inet_pton` then `inet_ntop`, so that only genuine literals pass and equal addresses compare equal.
    private static func canonicalAddress(_ text: String) -> (String, Bool)? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1, inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil {
            return (Self.string(from: buffer), false)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
            return (Self.string(from: buffer), true)
        }
        return nil
    }

    private static func string(from buffer: [CChar]) -> String {
        let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
