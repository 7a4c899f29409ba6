/// The command byte of a packet the filter sends to the MTA (libmilter's `SMFIR_*`).
///
/// The answer to option negotiation is not among these: it reuses `SMFIC_OPTNEG` ('O'), see
/// ``MilterCommandCode/optionNegotiation``.
///
/// - SeeAlso: sendmail's `include/libmilter/mfdef.h` (Debian: `/usr/include/libmilter/mfdef.h`, package libmilter-dev).
public enum MilterResponseCode: UInt8, CaseIterable, Hashable, Sendable {
    /// '+', `SMFIR_ADDRCPT`: add a recipient (needs ``MilterActions/addRecipients``).
    case addRecipient = 0x2B
    /// '-', `SMFIR_DELRCPT`: remove a recipient (needs ``MilterActions/deleteRecipients``).
    case deleteRecipient = 0x2D
    /// '2', `SMFIR_ADDRCPT_PAR`: add a recipient with ESMTP arguments (needs ``MilterActions/addRecipientsWithParameters``).
    case addRecipientWithParameters = 0x32
    /// '4', `SMFIR_SHUTDOWN`: 421, close the SMTP connection.
    case shutdown = 0x34
    /// 'a', `SMFIR_ACCEPT`: accept; no more events for this message (or connection, at connect/HELO).
    case accept = 0x61
    /// 'b', `SMFIR_REPLBODY`: one chunk of a replacement body (needs ``MilterActions/changeBody``).
    case replaceBody = 0x62
    /// 'c', `SMFIR_CONTINUE`: go on.
    case `continue` = 0x63
    /// 'd', `SMFIR_DISCARD`: accept and silently drop the message.
    case discard = 0x64
    /// 'e', `SMFIR_CHGFROM`: replace the envelope sender (needs ``MilterActions/changeSender``).
    case changeSender = 0x65
    /// 'f', `SMFIR_CONN_FAIL`: make the connection fail.
    case connectionFailure = 0x66
    /// 'h', `SMFIR_ADDHEADER`: append a header field (needs ``MilterActions/addHeaders``).
    case addHeader = 0x68
    /// 'i', `SMFIR_INSHEADER`: insert a header field at an index (needs ``MilterActions/addHeaders``).
    case insertHeader = 0x69
    /// 'l', `SMFIR_SETSYMLIST`: macro name lists. Never a packet of its own: the lists travel inside the
    /// option negotiation answer (see ``MilterMacroRequest``).
    case setSymbolList = 0x6C
    /// 'm', `SMFIR_CHGHEADER`: change or delete a header field (needs ``MilterActions/changeHeaders``).
    case changeHeader = 0x6D
    /// 'p', `SMFIR_PROGRESS`: still working, reset the MTA's timeout.
    case progress = 0x70
    /// 'q', `SMFIR_QUARANTINE`: put the message on hold (needs ``MilterActions/quarantine``).
    case quarantine = 0x71
    /// 'r', `SMFIR_REJECT`: reject with a 5xx.
    case reject = 0x72
    /// 's', `SMFIR_SKIP`: skip the remaining events of this kind (body chunks); needs ``MilterProtocolOptions/skip``.
    case skip = 0x73
    /// 't', `SMFIR_TEMPFAIL`: reject with a 4xx.
    case tempfail = 0x74
    /// 'y', `SMFIR_REPLYCODE`: reject or tempfail with the given SMTP reply text.
    case replyCode = 0x79
}

extension MilterResponseCode: CustomStringConvertible {
    /// The libmilter name, for logs and error messages.
    public var description: String {
        switch self {
        case .addRecipient: return "SMFIR_ADDRCPT"
        case .deleteRecipient: return "SMFIR_DELRCPT"
        case .addRecipientWithParameters: return "SMFIR_ADDRCPT_PAR"
        case .shutdown: return "SMFIR_SHUTDOWN"
        case .accept: return "SMFIR_ACCEPT"
        case .replaceBody: return "SMFIR_REPLBODY"
        case .continue: return "SMFIR_CONTINUE"
        case .discard: return "SMFIR_DISCARD"
        case .changeSender: return "SMFIR_CHGFROM"
        case .connectionFailure: return "SMFIR_CONN_FAIL"
        case .addHeader: return "SMFIR_ADDHEADER"
        case .insertHeader: return "SMFIR_INSHEADER"
        case .setSymbolList: return "SMFIR_SETSYMLIST"
        case .changeHeader: return "SMFIR_CHGHEADER"
        case .progress: return "SMFIR_PROGRESS"
        case .quarantine: return "SMFIR_QUARANTINE"
        case .reject: return "SMFIR_REJECT"
        case .skip: return "SMFIR_SKIP"
        case .tempfail: return "SMFIR_TEMPFAIL"
        case .replyCode: return "SMFIR_REPLYCODE"
        }
    }
}
