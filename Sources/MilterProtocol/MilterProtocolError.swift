/// A violation of the milter protocol: a bad frame, a malformed payload, a command the current state does
/// not allow, or a reply the filter must not send.
///
/// A struct with a private code, so that new kinds can be added without breaking callers. Two errors are
/// equal when their kind and its key values are (for example the claimed length); the ``hint`` and the
/// ``offset`` are diagnostics and left out of equality. Descriptions never contain message content or
/// addresses, only codes, lengths and offsets.
///
/// Every error means the connection is out of step with the MTA and must be closed; Postfix then applies
/// its `milter_default_action`.
public struct MilterProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case frameTooLarge(length: UInt32, maximum: Int)
        case zeroLength
        case unknownCommand(UInt8)
        case unknownResponse(UInt8)
        case malformed(command: UInt8)
        case unexpectedCommand(MilterCommandCode)
        case unsupportedVersion(UInt32)
        case invalidReply
        case replyPending
    }

    private let code: Code
    /// A short explanation: which field was wrong, or which state refused the command.
    public let hint: String
    /// The byte offset in the stream (counted from the first byte fed to the parser) where the problem
    /// was found, when the error comes from a parser.
    public let offset: Int?

    private init(_ code: Code, hint: String, offset: Int? = nil) {
        self.code = code
        self.hint = hint
        self.offset = offset
    }

    /// The same error, located at `offset`.
    func at(offset: Int) -> Self {
        .init(code, hint: hint, offset: offset)
    }

    /// A length prefix larger than the parser's maximum. Raised before any of the payload is buffered.
    public static func frameTooLarge(length: UInt32, maximum: Int) -> Self {
        .init(.frameTooLarge(length: length, maximum: maximum), hint: "frame length \(length) exceeds maximum \(maximum)")
    }

    /// A length prefix of 0: every packet has at least its command byte.
    public static var zeroLength: Self {
        .init(.zeroLength, hint: "frame length 0 (a frame holds at least its command byte)")
    }

    /// A command byte the MTA side of the protocol does not define. libmilter closes the connection too.
    public static func unknownCommand(_ byte: UInt8) -> Self {
        .init(.unknownCommand(byte), hint: "unknown command byte \(hexByte(byte))")
    }

    /// A response byte the filter side of the protocol does not define (or `SMFIR_SETSYMLIST`, which is
    /// never a packet of its own).
    public static func unknownResponse(_ byte: UInt8) -> Self {
        .init(.unknownResponse(byte), hint: "unknown response byte \(hexByte(byte))")
    }

    /// A payload that does not have the shape its command byte requires (missing NUL, short fields,
    /// bad address family, trailing bytes).
    public static func malformed(command: UInt8, hint: String) -> Self {
        .init(.malformed(command: command), hint: "\(hexByte(command)): \(hint)")
    }

    /// A command the state machine cannot accept where it arrived, and which expects a reply (ignoring it,
    /// as libmilter does, would leave the MTA waiting until its timeout).
    public static func unexpectedCommand(_ command: MilterCommandCode, hint: String) -> Self {
        .init(.unexpectedCommand(command), hint: "\(command) \(hint)")
    }

    /// An option negotiation offering a protocol version below 2, which libmilter refuses as well.
    public static func unsupportedVersion(_ version: UInt32) -> Self {
        .init(.unsupportedVersion(version), hint: "MTA offers protocol version \(version), need at least \(MilterConstants.minimumProtocolVersion)")
    }

    /// A reply from the filter that the MTA would refuse: a modification outside end-of-message or without
    /// its negotiated action, no final decision, `SKIP` where it is not allowed, a malformed reply code.
    public static func invalidReply(hint: String) -> Self {
        .init(.invalidReply, hint: hint)
    }

    /// A command arrived while the filter still owed the MTA a reply to the previous one.
    public static func replyPending(_ command: MilterCommandCode) -> Self {
        .init(.replyPending, hint: "\(command) arrived while a reply was still owed")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        let location = offset.map { " at byte \($0)" } ?? ""
        return "milter protocol error\(location): \(hint)"
    }
}

/// `'A' (0x41)` or `0x07` for unprintable bytes.
func hexByte(_ byte: UInt8) -> String {
    let hex = "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    if byte >= 0x21 && byte < 0x7F {
        return "'\(Character(Unicode.Scalar(byte)))' (\(hex))"
    }
    return hex
}
