/// A packet from the filter to the MTA.
///
/// Replies to events are a final decision (``continue``, ``accept``, ``reject``, ``tempfail``,
/// ``discard``, ``replyCode(_:)``, ``skip``, ``shutdown``, ``connectionFailure``), at end-of-message
/// preceded by any number of modifications and ``progress``. ``MilterStateMachine/reply(_:)`` checks that.
///
/// Header indexes follow libmilter: ``insertHeader(index:name:value:)`` counts from 0 = above every header
/// the filter saw; ``changeHeader(index:name:value:)`` counts from 1 among the headers of that name, and an
/// empty value deletes the header.
///
/// - SeeAlso: ``encode(into:)``; ``MilterResponseParser`` for the MTA side.
public enum MilterResponse: Hashable, Sendable {
    /// The answer to `SMFIC_OPTNEG` (it travels as 'O' too), optionally followed by macro lists.
    case optionNegotiation(version: UInt32, actions: MilterActions, protocolOptions: MilterProtocolOptions, macroRequests: [MilterMacroRequest] = [])
    /// `SMFIR_CONTINUE`.
    case `continue`
    /// `SMFIR_ACCEPT`.
    case accept
    /// `SMFIR_REJECT`: a plain 5xx.
    case reject
    /// `SMFIR_TEMPFAIL`: a plain 4xx.
    case tempfail
    /// `SMFIR_DISCARD`.
    case discard
    /// `SMFIR_SKIP`: no more body chunks, please.
    case skip
    /// `SMFIR_PROGRESS`: still working.
    case progress
    /// `SMFIR_SHUTDOWN`: 421 and close the SMTP session.
    case shutdown
    /// `SMFIR_CONN_FAIL`: fail the connection.
    case connectionFailure
    /// `SMFIR_REPLYCODE`: a full SMTP reply such as `550 5.7.1 Policy`, 4xx or 5xx.
    case replyCode(String)
    /// `SMFIR_ADDHEADER`: append a header at the end of the header block.
    case addHeader(name: String, value: String)
    /// `SMFIR_INSHEADER`: insert a header; index 0 puts it first.
    case insertHeader(index: UInt32, name: String, value: String)
    /// `SMFIR_CHGHEADER`: replace the `index`-th (1-based) header called `name`; an empty value deletes it.
    case changeHeader(index: UInt32, name: String, value: String)
    /// `SMFIR_ADDRCPT`.
    case addRecipient(String)
    /// `SMFIR_ADDRCPT_PAR`: a recipient with ESMTP arguments.
    case addRecipientWithParameters(String, parameters: String?)
    /// `SMFIR_DELRCPT`.
    case deleteRecipient(String)
    /// `SMFIR_CHGFROM`: a new envelope sender with optional ESMTP arguments.
    case changeSender(String, parameters: String?)
    /// `SMFIR_REPLBODY`: one chunk of the new body.
    case replaceBody([UInt8])
    /// `SMFIR_QUARANTINE`.
    case quarantine(reason: String)

    /// The byte this response travels with ('O' for the negotiation answer).
    public var wireCode: UInt8 {
        switch self {
        case .optionNegotiation: return MilterCommandCode.optionNegotiation.rawValue
        case .continue: return MilterResponseCode.continue.rawValue
        case .accept: return MilterResponseCode.accept.rawValue
        case .reject: return MilterResponseCode.reject.rawValue
        case .tempfail: return MilterResponseCode.tempfail.rawValue
        case .discard: return MilterResponseCode.discard.rawValue
        case .skip: return MilterResponseCode.skip.rawValue
        case .progress: return MilterResponseCode.progress.rawValue
        case .shutdown: return MilterResponseCode.shutdown.rawValue
        case .connectionFailure: return MilterResponseCode.connectionFailure.rawValue
        case .replyCode: return MilterResponseCode.replyCode.rawValue
        case .addHeader: return MilterResponseCode.addHeader.rawValue
        case .insertHeader: return MilterResponseCode.insertHeader.rawValue
        case .changeHeader: return MilterResponseCode.changeHeader.rawValue
        case .addRecipient: return MilterResponseCode.addRecipient.rawValue
        case .addRecipientWithParameters: return MilterResponseCode.addRecipientWithParameters.rawValue
        case .deleteRecipient: return MilterResponseCode.deleteRecipient.rawValue
        case .changeSender: return MilterResponseCode.changeSender.rawValue
        case .replaceBody: return MilterResponseCode.replaceBody.rawValue
        case .quarantine: return MilterResponseCode.quarantine.rawValue
        }
    }

    /// Whether this response ends the filter's answer to an event (everything but modifications and
    /// ``progress``).
    public var isFinal: Bool {
        switch self {
        case .continue, .accept, .reject, .tempfail, .discard, .skip, .shutdown, .connectionFailure, .replyCode:
            return true
        case .optionNegotiation, .progress, .addHeader, .insertHeader, .changeHeader, .addRecipient,
             .addRecipientWithParameters, .deleteRecipient, .changeSender, .replaceBody, .quarantine:
            return false
        }
    }

    /// The action flag a modification needs, or nil for responses that need none.
    public var requiredAction: MilterActions? {
        switch self {
        case .addHeader, .insertHeader: return .addHeaders
        case .changeHeader: return .changeHeaders
        case .addRecipient: return .addRecipients
        case .addRecipientWithParameters: return .addRecipientsWithParameters
        case .deleteRecipient: return .deleteRecipients
        case .changeSender: return .changeSender
        case .replaceBody: return .changeBody
        case .quarantine: return .quarantine
        default: return nil
        }
    }
}
