/// A cursor over one packet's payload that turns every shortfall into a ``MilterProtocolError`` carrying
/// the stream offset, so that decoding never traps on bytes from the peer.
struct PayloadReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    /// The command byte, for error messages.
    let command: UInt8
    /// The stream offset of the payload's first byte.
    private let baseOffset: Int

    init(_ bytes: ArraySlice<UInt8>, command: UInt8, baseOffset: Int) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.command = command
        self.baseOffset = baseOffset
    }

    var isAtEnd: Bool { index == bytes.endIndex }
    var remaining: Int { bytes.endIndex - index }

    /// An error located at the read position, or `backtrack` bytes before it (at a field just read).
    func error(_ hint: String, backtrack: Int = 0) -> MilterProtocolError {
        MilterProtocolError.malformed(command: command, hint: hint).at(offset: baseOffset + (index - bytes.startIndex) - backtrack)
    }

    mutating func readByte(_ what: String) throws(MilterProtocolError) -> UInt8 {
        guard index < bytes.endIndex else { throw error("missing \(what)") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readUInt16(_ what: String) throws(MilterProtocolError) -> UInt16 {
        guard remaining >= 2 else { throw error("\(what) needs 2 bytes, \(remaining) left") }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func readUInt32(_ what: String) throws(MilterProtocolError) -> UInt32 {
        guard remaining >= 4 else { throw error("\(what) needs 4 bytes, \(remaining) left") }
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    /// The bytes up to the next NUL, which is consumed; an error if there is none.
    mutating func readCString(_ what: String) throws(MilterProtocolError) -> ArraySlice<UInt8> {
        guard let nul = bytes[index...].firstIndex(of: 0) else {
            throw error("\(what) is not NUL-terminated")
        }
        defer { index = nul + 1 }
        return bytes[index..<nul]
    }

    mutating func readString(_ what: String) throws(MilterProtocolError) -> String {
        String(decoding: try readCString(what), as: UTF8.self)
    }

    /// NUL-terminated strings up to the end; at least one.
    mutating func readStrings(_ what: String) throws(MilterProtocolError) -> [String] {
        guard !isAtEnd else { throw error("\(what) is empty") }
        var strings: [String] = []
        while !isAtEnd { strings.append(try readString(what)) }
        return strings
    }

    mutating func readRest() -> [UInt8] {
        defer { index = bytes.endIndex }
        return Array(bytes[index...])
    }

    func expectEnd(after what: String) throws(MilterProtocolError) {
        guard isAtEnd else { throw error("\(remaining) unexpected bytes after \(what)") }
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendCString(_ string: String) {
        append(contentsOf: string.utf8)
        append(0)
    }

    mutating func appendCString(_ bytes: [UInt8]) {
        append(contentsOf: bytes)
        append(0)
    }

    /// Writes a frame: the length prefix (command byte + payload), the command byte, then whatever
    /// `payload` appends.
    mutating func appendFrame(code: UInt8, _ payload: (inout [UInt8]) -> Void) {
        let start = count
        append(contentsOf: [0, 0, 0, 0, code])
        payload(&self)
        let length = UInt32(truncatingIfNeeded: count - start - 4)
        self[start] = UInt8(truncatingIfNeeded: length >> 24)
        self[start + 1] = UInt8(truncatingIfNeeded: length >> 16)
        self[start + 2] = UInt8(truncatingIfNeeded: length >> 8)
        self[start + 3] = UInt8(truncatingIfNeeded: length)
    }
}
