/// The RDATA of one TXT record: one or more `<length><bytes>` character-strings (RFC 1035 §3.3.14).
///
/// DKIM reads a key record as the concatenation of all strings of one record, with nothing between
/// them (RFC 6376 §3.6.2.2), because a 2048-bit key does not fit in one 255-byte string.
///
/// - SeeAlso: [RFC 6376 §3.6.2.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2.2)
enum TXTRecordData {
    /// The joined strings of `rdata`, or `nil` when the RDATA is empty or a length byte points past
    /// its end. Never reads outside `rdata`.
    static func joinedStrings(_ rdata: UnsafeRawBufferPointer) -> [UInt8]? {
        guard !rdata.isEmpty else { return nil }
        var joined: [UInt8] = []
        joined.reserveCapacity(rdata.count)
        var offset = 0
        while offset < rdata.count {
            let length = Int(rdata[offset])
            offset += 1
            guard length <= rdata.count - offset else { return nil }
            joined.append(contentsOf: rdata[offset..<(offset + length)])
            offset += length
        }
        return joined
    }

    /// Convenience for tests and callers holding an array.
    static func joinedStrings(_ rdata: [UInt8]) -> [UInt8]? {
        rdata.withUnsafeBytes { joinedStrings($0) }
    }
}
