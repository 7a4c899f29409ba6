/// Base64 as DKIM uses it (RFC 6376 §2.4): folding whitespace may appear anywhere in the encoded text.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            out.append(b1.map { alphabet[Int(($0 & 0x0F) << 2 | (b2 ?? 0) >> 6)] } ?? UInt8(ascii: "="))
            out.append(b2.map { alphabet[Int($0 & 0x3F)] } ?? UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes, skipping whitespace (SP, HTAB, CR, LF). Returns nil for any other non-alphabet byte,
    /// misplaced padding, or a length that is not a whole number of quanta.
    public static func decode<Bytes: Sequence>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        var out = [UInt8]()
        var quantum: UInt32 = 0
        var count = 0
        var padding = 0
        for byte in text {
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                continue
            case UInt8(ascii: "="):
                padding += 1
                guard padding <= 2 else { return nil }
                quantum <<= 6
                count += 1
            default:
                let value = decodeTable[Int(byte)]
                guard value != 0xFF, padding == 0 else { return nil }
                quantum = quantum << 6 | UInt32(value)
                count += 1
            }
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: quantum >> 16))
                if padding < 2 { out.append(UInt8(truncatingIfNeeded: quantum >> 8)) }
                if padding < 1 { out.append(UInt8(truncatingIfNeeded: quantum)) }
                quantum = 0
                count = 0
                if padding > 0 { padding = 3 } // any data after the padded quantum is an error
            }
        }
        guard count == 0 else { return nil }
        return out
    }

    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}
