/// Splits a message streamed in chunks into its header fields and body (RFC 5322 §2.1).
///
/// Header lines may end in CRLF or bare LF; folded lines join the field before them. Once the blank line is
/// seen, every further byte is body and goes straight to the caller: the body is never held.
public struct MessageParser: Sendable {
    public struct Limits: Sendable {
        public var maxHeaderBytes: Int
        public var maxHeaderFields: Int
        public init(maxHeaderBytes: Int = 4 * 1024 * 1024, maxHeaderFields: Int = 10_000) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderFields = maxHeaderFields
        }
    }

    public enum Event {
        /// The header section is complete.
        case headers([HeaderField])
        /// A piece of body, in the message's own line endings.
        case body(UnsafeRawBufferPointer)
    }

    public let limits: Limits
    private var fields: [HeaderField] = []
    private var current: [UInt8] = []
    private var line: [UInt8] = []
    private var headerBytes = 0
    public private(set) var inBody = false
    /// Whether the header section used bare LF line ends (for writing a signature in the same style).
    public private(set) var usesBareLF = false

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Feeds the next chunk; events are delivered in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        if inBody {
            if chunk.count > 0 { try handle(.body(chunk)) }
            return
        }
        var index = 0
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            headerBytes += 1
            if headerBytes > limits.maxHeaderBytes {
                throw MessageParseError("header section is larger than \(limits.maxHeaderBytes) bytes")
            }
            guard byte == 0x0A else { line.append(byte); continue }
            // One complete line, without its LF; a CR before the LF is part of the line ending.
            let crlf = line.last == 0x0D
            if crlf { line.removeLast() } else if fields.isEmpty && current.isEmpty { usesBareLF = true }
            if line.isEmpty {
                try endField()
                inBody = true
                try handle(.headers(fields))
                fields = []
                if index < chunk.count {
                    try handle(.body(UnsafeRawBufferPointer(rebasing: chunk[index...])))
                }
                return
            }
            if line[0] == 0x20 || line[0] == 0x09 {
                guard !current.isEmpty else { throw MessageParseError("message starts with a continuation line") }
                current.append(contentsOf: [0x0D, 0x0A])
                current.append(contentsOf: line)
            } else {
                try endField()
                guard line.contains(UInt8(ascii: ":")) else {
                    throw MessageParseError("header line \(fields.count + 1) has no colon: not a header field")
                }
                current = line
            }
            line.removeAll(keepingCapacity: true)
        }
    }

    private mutating func endField() throws {
        guard !current.isEmpty else { return }
        fields.append(HeaderField(raw: current))
        current = []
        if fields.count > limits.maxHeaderFields {
            throw MessageParseError("more than \(limits.maxHeaderFields) header fields")
        }
    }

    /// Ends the input. A message that never reached a blank line is an error; one whose last header line
    /// lacks its newline is accepted as a message without a body only if it has a header.
    public mutating func finish() throws {
        guard !inBody else { return }
        if fields.isEmpty && current.isEmpty && line.isEmpty {
            throw MessageParseError("empty message")
        }
        throw MessageParseError("no blank line between the header and the body (the input ended inside the header)")
    }
}

public struct MessageParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
