/// Protocol steps and features (libmilter's `SMFIP_*`).
///
/// Three kinds of flag share this word, which makes the negotiation easy to get wrong:
/// - `NO*` flags ask the MTA *not* to send a step (``noConnect`` … ``noData``);
/// - `NR_*` flags promise that the filter will *not reply* to a step (``noReplyConnect`` … ``noReplyBody``),
///   so the MTA must not wait for one;
/// - feature flags: ``skip``, ``rejectedRecipients``, ``headerLeadingSpace`` and the data size flags.
///
/// The MTA offers the flags it understands; the filter answers with a subset. Postfix with
/// `milter_protocol = 2` offers only ``version2`` (`0x7F`); with `6` it offers every flag up to
/// ``headerLeadingSpace``.
///
/// - SeeAlso: sendmail's `include/libmilter/mfdef.h` (Debian: `/usr/include/libmilter/mfdef.h`, package libmilter-dev).
public struct MilterProtocolOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `SMFIP_NOCONNECT`: don't send CONNECT.
    public static let noConnect = MilterProtocolOptions(rawValue: 0x0000_0001)
    /// `SMFIP_NOHELO`: don't send HELO.
    public static let noHelo = MilterProtocolOptions(rawValue: 0x0000_0002)
    /// `SMFIP_NOMAIL`: don't send MAIL.
    public static let noMail = MilterProtocolOptions(rawValue: 0x0000_0004)
    /// `SMFIP_NORCPT`: don't send RCPT.
    public static let noRecipient = MilterProtocolOptions(rawValue: 0x0000_0008)
    /// `SMFIP_NOBODY`: don't send body chunks.
    public static let noBody = MilterProtocolOptions(rawValue: 0x0000_0010)
    /// `SMFIP_NOHDRS`: don't send headers.
    public static let noHeaders = MilterProtocolOptions(rawValue: 0x0000_0020)
    /// `SMFIP_NOEOH`: don't send end-of-headers.
    public static let noEndOfHeaders = MilterProtocolOptions(rawValue: 0x0000_0040)
    /// `SMFIP_NR_HDR` (alias `SMFIP_NOHREPL`): no reply to each header.
    public static let noReplyHeaders = MilterProtocolOptions(rawValue: 0x0000_0080)
    /// `SMFIP_NOUNKNOWN`: don't send unknown SMTP commands.
    public static let noUnknown = MilterProtocolOptions(rawValue: 0x0000_0100)
    /// `SMFIP_NODATA`: don't send DATA.
    public static let noData = MilterProtocolOptions(rawValue: 0x0000_0200)
    /// `SMFIP_SKIP`: the MTA understands `SMFIR_SKIP`.
    public static let skip = MilterProtocolOptions(rawValue: 0x0000_0400)
    /// `SMFIP_RCPT_REJ`: also send recipients the MTA rejected.
    public static let rejectedRecipients = MilterProtocolOptions(rawValue: 0x0000_0800)
    /// `SMFIP_NR_CONN`: no reply to CONNECT.
    public static let noReplyConnect = MilterProtocolOptions(rawValue: 0x0000_1000)
    /// `SMFIP_NR_HELO`: no reply to HELO.
    public static let noReplyHelo = MilterProtocolOptions(rawValue: 0x0000_2000)
    /// `SMFIP_NR_MAIL`: no reply to MAIL.
    public static let noReplyMail = MilterProtocolOptions(rawValue: 0x0000_4000)
    /// `SMFIP_NR_RCPT`: no reply to RCPT.
    public static let noReplyRecipient = MilterProtocolOptions(rawValue: 0x0000_8000)
    /// `SMFIP_NR_DATA`: no reply to DATA.
    public static let noReplyData = MilterProtocolOptions(rawValue: 0x0001_0000)
    /// `SMFIP_NR_UNKN`: no reply to unknown commands.
    public static let noReplyUnknown = MilterProtocolOptions(rawValue: 0x0002_0000)
    /// `SMFIP_NR_EOH`: no reply to end-of-headers.
    public static let noReplyEndOfHeaders = MilterProtocolOptions(rawValue: 0x0004_0000)
    /// `SMFIP_NR_BODY`: no reply to body chunks.
    public static let noReplyBody = MilterProtocolOptions(rawValue: 0x0008_0000)
    /// `SMFIP_HDR_LEADSPC`: header values keep the space after the colon (and inserted ones must carry
    /// their own). Without it one space after the colon is eaten, which `simple` DKIM canonicalization
    /// must put back.
    public static let headerLeadingSpace = MilterProtocolOptions(rawValue: 0x0010_0000)
    /// `SMFIP_MDS_256K`: packets may carry up to 256 KiB − 1 bytes of data.
    public static let maximumDataSize256K = MilterProtocolOptions(rawValue: 0x1000_0000)
    /// `SMFIP_MDS_1M`: packets may carry up to 1 MiB − 1 bytes of data.
    public static let maximumDataSize1M = MilterProtocolOptions(rawValue: 0x2000_0000)

    /// `SMFI_V1_PROT`: the steps a protocol 1 MTA could leave out. libmilter assumes this set when the MTA
    /// offers none.
    public static let version1: MilterProtocolOptions = [
        .noConnect, .noHelo, .noMail, .noRecipient, .noBody, .noHeaders,
    ]
    /// `SMFI_V2_PROT`: what Postfix offers with `milter_protocol = 2`.
    public static let version2: MilterProtocolOptions = [.version1, .noEndOfHeaders]
    /// `SMFI_CURR_PROT`: every flag defined by protocol 6 (the data size flags are not among them).
    public static let allKnown = MilterProtocolOptions(rawValue: 0x001F_FFFF)
    /// `SMFI_INTERNAL`: bits reserved between the MTA and libmilter (the data size flags live here).
    public static let `internal` = MilterProtocolOptions(rawValue: 0x7000_0000)

    /// Every "don't send this step" flag (Postfix's `SMFIP_NOSEND_MASK`).
    public static let allSkippableSteps: MilterProtocolOptions = [
        .noConnect, .noHelo, .noMail, .noRecipient, .noBody, .noHeaders, .noEndOfHeaders, .noUnknown, .noData,
    ]
    /// Every "no reply for this step" flag (Postfix's `SMFIP_NOREPLY_MASK`).
    public static let allNoReplySteps: MilterProtocolOptions = [
        .noReplyConnect, .noReplyHelo, .noReplyMail, .noReplyRecipient, .noReplyData, .noReplyUnknown,
        .noReplyHeaders, .noReplyEndOfHeaders, .noReplyBody,
    ]
}

extension MilterProtocolOptions: CustomStringConvertible {
    /// The libmilter names joined with `|`, unknown bits in hex.
    public var description: String {
        let names: [(MilterProtocolOptions, String)] = [
            (.noConnect, "NOCONNECT"), (.noHelo, "NOHELO"), (.noMail, "NOMAIL"), (.noRecipient, "NORCPT"),
            (.noBody, "NOBODY"), (.noHeaders, "NOHDRS"), (.noEndOfHeaders, "NOEOH"), (.noReplyHeaders, "NR_HDR"),
            (.noUnknown, "NOUNKNOWN"), (.noData, "NODATA"), (.skip, "SKIP"), (.rejectedRecipients, "RCPT_REJ"),
            (.noReplyConnect, "NR_CONN"), (.noReplyHelo, "NR_HELO"), (.noReplyMail, "NR_MAIL"),
            (.noReplyRecipient, "NR_RCPT"), (.noReplyData, "NR_DATA"), (.noReplyUnknown, "NR_UNKN"),
            (.noReplyEndOfHeaders, "NR_EOH"), (.noReplyBody, "NR_BODY"), (.headerLeadingSpace, "HDR_LEADSPC"),
            (.maximumDataSize256K, "MDS_256K"), (.maximumDataSize1M, "MDS_1M"),
        ]
        return flagDescription(rawValue, names.map { ($0.0.rawValue, $0.1) })
    }
}
