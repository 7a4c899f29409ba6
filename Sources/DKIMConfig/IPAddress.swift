/// An IPv4 or IPv6 address, compared as bytes whatever text form it was written in.
///
/// Host lists and the MTA's connect information both produce these. Parsing accepts the forms found in
/// opendkim.conf data sets and in milter connect data: dotted quads, every RFC 4291 IPv6 form (with `::`
/// and with a dotted IPv4 tail), square brackets (`[192.0.2.1]`, `[IPv6:2001:db8::1]`) and a trailing zone
/// (`fe80::1%eth0`, which is dropped). An IPv4 part with a leading zero is refused, because `inet_addr` would
/// read it as octal and nobody means that.
///
/// - SeeAlso: [RFC 4291 §2.2](https://www.rfc-editor.org/rfc/rfc4291#section-2.2),
///   [RFC 5952](https://www.rfc-editor.org/rfc/rfc5952) for the text written back.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Hashable, Sendable {
        case v4
        case v6
    }

    public let family: Family
    // The 128 bits, high half first; an IPv4 address lives in the low 32 bits of `low`.
    let high: UInt64
    let low: UInt64

    init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// An address from its 4 (IPv4) or 16 (IPv6) bytes in network order.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self.init(family: .v4, high: 0, low: bytes.reduce(0) { $0 << 8 | UInt64($1) })
        case 16:
            self.init(family: .v6,
                      high: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
                      low: bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        default:
            return nil
        }
    }

    /// Parses any of the text forms described above; nil for anything else.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.first == "[" {
            guard body.last == "]" else { return nil }
            body = body.dropFirst().dropLast()
            if body.count > 5, body.prefix(5).lowercased() == "ipv6:" { body = body.dropFirst(5) }
        }
        if let percent = body.firstIndex(of: "%") {
            guard body.contains(":") else { return nil }
            body = body[..<percent]
        }
        if body.contains(":") {
            guard let (high, low) = IPAddress.parseV6(body) else { return nil }
            self.init(family: .v6, high: high, low: low)
        } else {
            guard let value = IPAddress.parseV4(body) else { return nil }
            self.init(family: .v4, high: 0, low: UInt64(value))
        }
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch family {
        case .v4: return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0))) }
        case .v6: return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        }
    }

    /// Number of bits: 32 or 128.
    public var bitCount: Int { family == .v4 ? 32 : 128 }

    /// For an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`), the IPv4 address; nil otherwise.
    public var mappedIPv4: IPAddress? {
        guard family == .v6, high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPAddress(family: .v4, high: 0, low: low & 0xFFFF_FFFF)
    }

    /// The address as host lists compare it: an IPv4-mapped IPv6 address becomes its IPv4 address, so a
    /// client that reaches a dual-stack socket over IPv4 still matches `192.0.2.0/24`.
    public var unmapped: IPAddress { mappedIPv4 ?? self }

    /// The address with all but the first `prefixLength` bits cleared.
    public func masked(toPrefixLength prefixLength: Int) -> IPAddress {
        let bits = max(0, min(prefixLength, bitCount))
        switch family {
        case .v4:
            let mask: UInt64 = bits == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - bits)) & 0xFFFF_FFFF
            return IPAddress(family: .v4, high: 0, low: low & mask)
        case .v6:
            let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : .max << UInt64(64 - bits))
            let lowMask: UInt64 = bits <= 64 ? 0 : (bits == 128 ? .max : .max << UInt64(128 - bits))
            return IPAddress(family: .v6, high: high & highMask, low: low & lowMask)
        }
    }

    /// Dotted quad, or RFC 5952 IPv6 text (lowercase, longest zero run as `::`, mapped IPv4 as a dotted tail).
    public var description: String {
        switch family {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6:
            if let v4 = mappedIPv4 { return "::ffff:\(v4)" }
            let groups = (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
                + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
            var bestStart = -1, bestLength = 0, runStart = -1
            for i in 0...8 {
                if i < 8 && groups[i] == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                    runStart = -1
                }
            }
            if bestLength < 2 { bestStart = -1 }
            var text = ""
            var i = 0
            while i < 8 {
                if i == bestStart {
                    text += "::"
                    i += bestLength
                    continue
                }
                if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
                text += String(groups[i], radix: 16)
                i += 1
            }
            return text
        }
    }

    private static func parseV4<S: StringProtocol>(_ text: S) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    private static func parseV6(_ text: Substring) -> (UInt64, UInt64)? {
        var groups: [UInt16] = []
        var head: [UInt16] = [], tail: [UInt16] = []
        let halves = text.splitAtDoubleColons()
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowV4Tail, piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let group = UInt16(piece, radix: 16) else { return nil }
                result.append(group)
            }
            return result
        }
        if halves.count == 2 {
            guard let h = parseGroups(halves[0], allowV4Tail: false),
                  let t = parseGroups(halves[1], allowV4Tail: true),
                  h.count + t.count <= 7 else { return nil }
            head = h
            tail = t
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(halves[0], allowV4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}

extension Substring {
    /// Splits at `::` (there may be at most one in an IPv6 address; more yield more than two parts).
    fileprivate func splitAtDoubleColons() -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let next = index(after: i)
            if self[i] == ":", next < endIndex, self[next] == ":" {
                parts.append(self[start..<i])
                start = index(after: next)
                i = start
                continue
            }
            i = next
        }
        parts.append(self[start..<endIndex])
        return parts
    }
}
