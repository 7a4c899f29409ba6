/// The protocol step a set of macros belongs to. The raw values are libmilter's `SMFIM_*` numbers
/// (`libmilter/mfapi.h`), which is how a filter names the stage when it asks for macro lists.
///
/// Note the order: `SMFIM_EOM` (5) comes before `SMFIM_EOH` (6) in the numbering, but end-of-headers
/// happens first; ``protocolOrder`` gives the order in which the steps happen.
public enum MilterMacroStage: UInt32, CaseIterable, Hashable, Sendable {
    /// `SMFIM_CONNECT`: sent with CONNECT (Postfix default: `j {daemon_name} {daemon_addr} v _`).
    case connect = 0
    /// `SMFIM_HELO`: sent with HELO (TLS macros).
    case helo = 1
    /// `SMFIM_ENVFROM`: sent with MAIL (Postfix default includes `i {auth_type} {auth_authen}`).
    case mail = 2
    /// `SMFIM_ENVRCPT`: sent with RCPT.
    case recipient = 3
    /// `SMFIM_DATA`: sent with DATA.
    case data = 4
    /// `SMFIM_EOM`: sent with the end of the message (`i`).
    case endOfMessage = 5
    /// `SMFIM_EOH`: sent with the end of the headers (`i`).
    case endOfHeaders = 6

    /// The stage a `SMFIC_MACRO` packet names with its first byte, if it is one of the seven libmilter keeps.
    public init?(command: MilterCommandCode) {
        switch command {
        case .connect: self = .connect
        case .helo: self = .helo
        case .mail: self = .mail
        case .recipient: self = .recipient
        case .data: self = .data
        case .endOfHeaders: self = .endOfHeaders
        case .bodyEOB: self = .endOfMessage
        default: return nil
        }
    }

    /// The command whose macros these are.
    public var command: MilterCommandCode {
        switch self {
        case .connect: return .connect
        case .helo: return .helo
        case .mail: return .mail
        case .recipient: return .recipient
        case .data: return .data
        case .endOfHeaders: return .endOfHeaders
        case .endOfMessage: return .bodyEOB
        }
    }

    /// 0 for connect up to 6 for end-of-message, in the order the steps happen.
    public var protocolOrder: Int {
        switch self {
        case .connect: return 0
        case .helo: return 1
        case .mail: return 2
        case .recipient: return 3
        case .data: return 4
        case .endOfHeaders: return 5
        case .endOfMessage: return 6
        }
    }

    /// Whether the macros belong to one message (MAIL and later) rather than to the connection.
    public var isMessageStage: Bool { protocolOrder >= MilterMacroStage.mail.protocolOrder }
}
