/// One header field exactly as the message holds it: name, colon, value and any folding, without the final
/// CRLF. Kept as bytes because `simple` canonicalization hashes them verbatim and headers may carry 8-bit data.
public struct HeaderField: Sendable, Hashable {
    /// Raw bytes with CRLF line ends inside folded values.
    public let raw: [UInt8]
    let colonIndex: Int?

    /// `raw` as it appears in the message; bare LF inside it (a folded line from a Unix file or from Postfix)
    /// is taken as CRLF, as it would be on the wire.
    public init<Bytes: Sequence>(raw bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(raw: Array(bytes))
    }

    /// The same for an array, without generic dispatch (the milter builds one per header of every message).
    public init(raw bytes: [UInt8]) {
        var normalized = bytes
        if bytes.contains(0x0A) {
            normalized = []
            normalized.reserveCapacity(bytes.count + 8)
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == 0x0A && previous != 0x0D { normalized.append(0x0D) }
                normalized.append(byte)
                previous = byte
            }
        }
        while let last = normalized.last, last == 0x0A || last == 0x0D { normalized.removeLast() }
        self.raw = normalized
        self.colonIndex = normalized.firstIndex(of: UInt8(ascii: ":"))
    }

    /// Builds a field from the name and the value text that follows the colon (leading space included if wanted).
    public init(name: String, value: String) {
        self.init(raw: Array(name.utf8) + [UInt8(ascii: ":")] + Array(value.utf8))
    }

    /// Where the name ends: before the colon and any whitespace in front of it.
    private var nameEnd: Int {
        var end = colonIndex ?? raw.count
        while end > 0 && isWSP(raw[end - 1]) { end -= 1 }
        return end
    }

    /// The field name as written (case preserved, trailing whitespace before the colon removed).
    public var name: String {
        String(decoding: raw[0..<nameEnd], as: UTF8.self)
    }

    /// Everything after the colon, folding included.
    public var value: ArraySlice<UInt8> {
        guard let colonIndex else { return [] }
        return raw[(colonIndex + 1)...]
    }

    /// The whole field as text with `lineEnd` between its folded lines (MTAs and Unix files want LF).
    public func text(lineEnd: String = "\r\n") -> String { Self.text(raw[...], lineEnd: lineEnd) }

    /// The value after the colon as text, likewise.
    public func valueText(lineEnd: String = "\r\n") -> String { Self.text(value, lineEnd: lineEnd) }

    private static func text(_ bytes: ArraySlice<UInt8>, lineEnd: String) -> String {
        guard lineEnd != "\r\n" else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0D, index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A {
                out.append(contentsOf: lineEnd.utf8)
                index += 2
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value unfolded and trimmed, for reading addresses and tag lists.
    public var unfoldedValue: String {
        var out: [UInt8] = []
        for byte in value where byte != 0x0D && byte != 0x0A { out.append(byte) }
        let trimmed = out.drop { isWSP($0) }.reversed().drop { isWSP($0) }.reversed()
        return String(decoding: Array(trimmed), as: UTF8.self)
    }

    /// Case-insensitive comparison of the field name with `other` (RFC 5322 names are ASCII). No allocation:
    /// it runs for every header of every message.
    public func hasName(_ other: String) -> Bool {
        let end = nameEnd
        var index = 0
        for byte in other.utf8 {
            guard index < end else { return false }
            let mine = raw[index]
            guard mine == byte || (mine | 0x20 == byte | 0x20 && (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) else { return false }
            index += 1
        }
        return index == end
    }

    /// The field name lowercased (ASCII), for table keys.
    var lowercasedName: String {
        String(decoding: raw[0..<nameEnd].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
