/// One canonicalization algorithm (RFC 6376 §3.4).
public enum CanonicalizationAlgorithm: String, Sendable, Hashable, CaseIterable {
    case simple
    case relaxed
}

/// The `c=` pair: header and body algorithms. `simple/simple` is the RFC default.
public struct Canonicalization: Sendable, Hashable, CustomStringConvertible {
    public var header: CanonicalizationAlgorithm
    public var body: CanonicalizationAlgorithm

    public init(header: CanonicalizationAlgorithm, body: CanonicalizationAlgorithm) {
        self.header = header
        self.body = body
    }

    public static let simpleSimple = Canonicalization(header: .simple, body: .simple)
    public static let relaxedRelaxed = Canonicalization(header: .relaxed, body: .relaxed)

    /// Parses `c=` text: `relaxed/simple`, or a single name meaning that header algorithm with a simple body.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let header = CanonicalizationAlgorithm(rawValue: String(parts[0])) else { return nil }
        let body = parts.count == 2 ? CanonicalizationAlgorithm(rawValue: String(parts[1])) : .simple
        guard let body else { return nil }
        self.init(header: header, body: body)
    }

    public var description: String { "\(header.rawValue)/\(body.rawValue)" }
}

@inline(__always) func isWSP(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

extension HeaderField {
    /// The header canonicalized for hashing, with its terminating CRLF (RFC 6376 §3.4.1, §3.4.2).
    public func canonicalized(_ algorithm: CanonicalizationAlgorithm) -> [UInt8] {
        var out: [UInt8] = []
        appendCanonicalized(algorithm, to: &out)
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// Appends the canonical form without the terminating CRLF.
    func appendCanonicalized(_ algorithm: CanonicalizationAlgorithm, to out: inout [UInt8]) {
        switch algorithm {
        case .simple:
            out.append(contentsOf: raw)
        case .relaxed:
            let colon = colonIndex ?? raw.count
            // Name: lowercased, whitespace before the colon removed.
            var nameEnd = colon
            while nameEnd > 0 && isWSP(raw[nameEnd - 1]) { nameEnd -= 1 }
            for byte in raw[0..<nameEnd] {
                out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            out.append(UInt8(ascii: ":"))
            guard colon < raw.count else { return }
            // Value: unfold, reduce whitespace runs to one SP, drop leading and trailing whitespace.
            var pendingSpace = false
            var started = false
            for byte in raw[(colon + 1)...] {
                if byte == 0x0D || byte == 0x0A { continue }
                if isWSP(byte) {
                    pendingSpace = started
                    continue
                }
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(byte)
                started = true
            }
        }
    }
}
