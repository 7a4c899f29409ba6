/// The command byte of a packet the MTA sends to the filter (libmilter's `SMFIC_*`).
///
/// The values are sendmail's own, from `libmilter/mfdef.h`; a test compares every case with that header.
/// Postfix keeps its own copy of the same table in `src/milter/milter8.c`.
///
/// - SeeAlso: sendmail's `include/libmilter/mfdef.h` (Debian: `/usr/include/libmilter/mfdef.h`, package libmilter-dev).
public enum MilterCommandCode: UInt8, CaseIterable, Hashable, Sendable {
    /// 'A', `SMFIC_ABORT`: forget the current message; the connection stays.
    case abort = 0x41
    /// 'B', `SMFIC_BODY`: one chunk of the message body.
    case body = 0x42
    /// 'C', `SMFIC_CONNECT`: the SMTP client's host name and address.
    case connect = 0x43
    /// 'D', `SMFIC_MACRO`: macro values for the command named in the first payload byte.
    case macro = 0x44
    /// 'E', `SMFIC_BODYEOB`: end of the message; may carry a last body chunk.
    case bodyEOB = 0x45
    /// 'H', `SMFIC_HELO`: the HELO/EHLO argument.
    case helo = 0x48
    /// 'K', `SMFIC_QUIT_NC`: this session is over, a new one follows on the same connection.
    case quitNewConnection = 0x4B
    /// 'L', `SMFIC_HEADER`: one header field, name and value.
    case header = 0x4C
    /// 'M', `SMFIC_MAIL`: MAIL FROM address and ESMTP arguments.
    case mail = 0x4D
    /// 'N', `SMFIC_EOH`: end of the header block.
    case endOfHeaders = 0x4E
    /// 'O', `SMFIC_OPTNEG`: option negotiation; the filter answers with a packet of the same code.
    case optionNegotiation = 0x4F
    /// 'Q', `SMFIC_QUIT`: the connection is over.
    case quit = 0x51
    /// 'R', `SMFIC_RCPT`: RCPT TO address and ESMTP arguments.
    case recipient = 0x52
    /// 'T', `SMFIC_DATA`: the DATA command (protocol 4 and later).
    case data = 0x54
    /// 'U', `SMFIC_UNKNOWN`: an SMTP command the MTA does not know (protocol 3 and later).
    case unknown = 0x55
}

extension MilterCommandCode: CustomStringConvertible {
    /// The libmilter name, for logs and error messages.
    public var description: String {
        switch self {
        case .abort: return "SMFIC_ABORT"
        case .body: return "SMFIC_BODY"
        case .connect: return "SMFIC_CONNECT"
        case .macro: return "SMFIC_MACRO"
        case .bodyEOB: return "SMFIC_BODYEOB"
        case .helo: return "SMFIC_HELO"
        case .quitNewConnection: return "SMFIC_QUIT_NC"
        case .header: return "SMFIC_HEADER"
        case .mail: return "SMFIC_MAIL"
        case .endOfHeaders: return "SMFIC_EOH"
        case .optionNegotiation: return "SMFIC_OPTNEG"
        case .quit: return "SMFIC_QUIT"
        case .recipient: return "SMFIC_RCPT"
        case .data: return "SMFIC_DATA"
        case .unknown: return "SMFIC_UNKNOWN"
        }
    }
}
