/// A packet from the MTA to the filter, decoded.
///
/// Where bytes matter for DKIM (header names and values, body chunks, unknown commands) they stay raw:
/// header values may hold 8-bit text and the MTA's own folding (`"\n\t"` from Postfix). Envelope
/// strings and macros become `String`; bytes that are not UTF-8 are replaced with U+FFFD.
///
/// - SeeAlso: ``MilterFrameParser`` to decode a stream, ``encode(into:)`` for the MTA side.
public enum MilterCommand: Hashable, Sendable {
    /// `SMFIC_OPTNEG`: the MTA's offer. Only the first 12 bytes count; libmilter ignores the rest too.
    case optionNegotiation(version: UInt32, actions: MilterActions, protocolOptions: MilterProtocolOptions)
    /// `SMFIC_MACRO`: macros for the command `stage`. `stage` is nil when the first byte names no command;
    /// libmilter ignores such packets, and so does ``MilterStateMachine``. A nil stage encodes as byte 0.
    case defineMacros(stage: MilterCommandCode?, macros: [MilterMacro])
    /// `SMFIC_CONNECT`: the client's host name (Postfix writes `[192.0.2.1]` when it has none) and address.
    case connect(hostname: String, address: MilterSocketAddress)
    /// `SMFIC_HELO`: the HELO/EHLO argument.
    case helo(String)
    /// `SMFIC_MAIL`: the sender address first (Postfix sends it with angle brackets, the `sendmail`
    /// path without), then ESMTP arguments such as `BODY=8BITMIME`.
    case mailFrom([String])
    /// `SMFIC_RCPT`: the recipient address first, then ESMTP arguments.
    case recipient([String])
    /// `SMFIC_DATA`.
    case data
    /// `SMFIC_HEADER`: raw name and value. Without `SMFIP_HDR_LEADSPC` the MTA has eaten one space after
    /// the colon; folded lines are joined by the MTA's line ending.
    case header(name: [UInt8], value: [UInt8])
    /// `SMFIC_EOH`.
    case endOfHeaders
    /// `SMFIC_BODY`: one chunk, CRLF line endings (Postfix: at most 65535 bytes).
    case body([UInt8])
    /// `SMFIC_BODYEOB`: end of message, with a last body chunk that is empty from Postfix and sendmail.
    case endOfMessage([UInt8])
    /// `SMFIC_ABORT`.
    case abort
    /// `SMFIC_QUIT`.
    case quit
    /// `SMFIC_QUIT_NC`.
    case quitNewConnection
    /// `SMFIC_UNKNOWN`: the SMTP command line, without its NUL.
    case unknown([UInt8])

    /// The command byte this value travels with.
    public var code: MilterCommandCode {
        switch self {
        case .optionNegotiation: return .optionNegotiation
        case .defineMacros: return .macro
        case .connect: return .connect
        case .helo: return .helo
        case .mailFrom: return .mail
        case .recipient: return .recipient
        case .data: return .data
        case .header: return .header
        case .endOfHeaders: return .endOfHeaders
        case .body: return .body
        case .endOfMessage: return .bodyEOB
        case .abort: return .abort
        case .quit: return .quit
        case .quitNewConnection: return .quitNewConnection
        case .unknown: return .unknown
        }
    }
}
