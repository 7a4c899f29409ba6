extension MilterStateMachine {
    /// Where the conversation is, with libmilter's state numbering (`ST_*` in `engine.c`) so that its
    /// transition table can be copied as is.
    enum Stage: Int, Sendable, CaseIterable {
        case initial = 0
        case options
        case connect
        case helo
        case mail
        case recipient
        case data
        case headers
        case endOfHeaders
        case body
        case endOfMessage
        case quit
        case abort
        case unknown
        case quitNewConnection

        var bit: UInt32 { 1 << UInt32(rawValue) }

        /// libmilter's `next_states` table (`NX_*`): the stages that may directly follow this one.
        var allowedNext: UInt32 {
            switch self {
            case .initial: return Stage.options.bit
            case .options: return Stage.connect.bit | Stage.unknown.bit
            case .connect, .helo: return Stage.helo.bit | Stage.mail.bit | Stage.unknown.bit
            case .mail: return Stage.recipient.bit | Stage.abort.bit | Stage.unknown.bit
            case .recipient:
                return Stage.headers.bit | Stage.endOfHeaders.bit | Stage.data.bit | Stage.body.bit
                    | Stage.endOfMessage.bit | Stage.recipient.bit | Stage.abort.bit | Stage.unknown.bit
            case .data, .headers: return Stage.endOfHeaders.bit | Stage.headers.bit | Stage.abort.bit
            case .endOfHeaders: return Stage.body.bit | Stage.endOfMessage.bit | Stage.abort.bit
            case .body: return Stage.endOfMessage.bit | Stage.body.bit | Stage.abort.bit
            case .endOfMessage: return Stage.quit.bit | Stage.mail.bit | Stage.unknown.bit | Stage.quitNewConnection.bit
            case .quit, .abort: return 0
            case .unknown:
                return Stage.helo.bit | Stage.mail.bit | Stage.recipient.bit | Stage.abort.bit | Stage.data.bit
                    | Stage.body.bit | Stage.unknown.bit | Stage.quit.bit | Stage.quitNewConnection.bit
            case .quitNewConnection: return Stage.connect.bit | Stage.unknown.bit
            }
        }

        /// libmilter's `trans_ok`: `to` may follow `from` directly, or after stages the MTA was told not
        /// to send (`skippable`, a mask of stage bits), which relies on the stages being numbered in order.
        static func transitionAllowed(from: Stage, to: Stage, skippable: UInt32) -> Bool {
            var current = from
            while true {
                if current.allowedNext & to.bit != 0 { return true }
                guard let next = Stage(rawValue: current.rawValue + 1), skippable & next.bit != 0 else { return false }
                current = next
            }
        }

        /// The stage a command moves to; nil for commands outside the table (macros, negotiation).
        init?(command: MilterCommandCode) {
            switch command {
            case .abort: self = .abort
            case .body: self = .body
            case .connect: self = .connect
            case .bodyEOB: self = .endOfMessage
            case .helo: self = .helo
            case .header: self = .headers
            case .mail: self = .mail
            case .endOfHeaders: self = .endOfHeaders
            case .quit: self = .quit
            case .recipient: self = .recipient
            case .data: self = .data
            case .unknown: self = .unknown
            case .quitNewConnection: self = .quitNewConnection
            case .optionNegotiation: self = .options
            case .macro: return nil
            }
        }

        /// The `NR_*` flag that lets the filter stay silent after this stage (libmilter's `get_nr_bit`).
        var noReplyFlag: MilterProtocolOptions? {
            switch self {
            case .connect: return .noReplyConnect
            case .helo: return .noReplyHelo
            case .mail: return .noReplyMail
            case .recipient: return .noReplyRecipient
            case .data: return .noReplyData
            case .unknown: return .noReplyUnknown
            case .headers: return .noReplyHeaders
            case .endOfHeaders: return .noReplyEndOfHeaders
            case .body: return .noReplyBody
            default: return nil
            }
        }

        /// The mask of stages the MTA leaves out under these `NO*` flags (libmilter's `fix_stm`).
        static func skippable(_ options: MilterProtocolOptions) -> UInt32 {
            let pairs: [(MilterProtocolOptions, Stage)] = [
                (.noConnect, .connect), (.noHelo, .helo), (.noMail, .mail), (.noRecipient, .recipient),
                (.noHeaders, .headers), (.noEndOfHeaders, .endOfHeaders), (.noBody, .body), (.noData, .data),
                (.noUnknown, .unknown),
            ]
            return pairs.reduce(0) { mask, pair in options.contains(pair.0) ? mask | pair.1.bit : mask }
        }

        var name: String {
            switch self {
            case .initial: return "start"
            case .options: return "option negotiation"
            case .connect: return "CONNECT"
            case .helo: return "HELO"
            case .mail: return "MAIL"
            case .recipient: return "RCPT"
            case .data: return "DATA"
            case .headers: return "a header"
            case .endOfHeaders: return "end of headers"
            case .body: return "a body chunk"
            case .endOfMessage: return "end of message"
            case .quit: return "QUIT"
            case .abort: return "ABORT"
            case .unknown: return "an unknown command"
            case .quitNewConnection: return "QUIT_NC"
            }
        }
    }
}
