/// What the filter may change in a message (libmilter's `SMFIF_*`, from `libmilter/mfapi.h`).
///
/// The MTA offers a set in its option negotiation packet and the filter answers with the subset it will
/// use; a modification whose flag was not agreed makes the MTA drop the filter. Postfix offers all nine
/// flags at every protocol version.
///
/// - SeeAlso: sendmail's `include/libmilter/mfapi.h` (Debian: `/usr/include/libmilter/mfapi.h`, package libmilter-dev).
public struct MilterActions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `SMFIF_ADDHDRS`: add headers, both appended (`SMFIR_ADDHEADER`) and inserted (`SMFIR_INSHEADER`).
    public static let addHeaders = MilterActions(rawValue: 0x0000_0001)
    /// `SMFIF_CHGBODY` (alias `SMFIF_MODBODY`): replace the body.
    public static let changeBody = MilterActions(rawValue: 0x0000_0002)
    /// `SMFIF_ADDRCPT`: add recipients.
    public static let addRecipients = MilterActions(rawValue: 0x0000_0004)
    /// `SMFIF_DELRCPT`: delete recipients.
    public static let deleteRecipients = MilterActions(rawValue: 0x0000_0008)
    /// `SMFIF_CHGHDRS`: change or delete headers.
    public static let changeHeaders = MilterActions(rawValue: 0x0000_0010)
    /// `SMFIF_QUARANTINE`: quarantine the message.
    public static let quarantine = MilterActions(rawValue: 0x0000_0020)
    /// `SMFIF_CHGFROM`: change the envelope sender.
    public static let changeSender = MilterActions(rawValue: 0x0000_0040)
    /// `SMFIF_ADDRCPT_PAR`: add recipients with ESMTP arguments.
    public static let addRecipientsWithParameters = MilterActions(rawValue: 0x0000_0080)
    /// `SMFIF_SETSYMLIST`: send lists of wanted macros in the negotiation answer.
    public static let setSymbolList = MilterActions(rawValue: 0x0000_0100)

    /// `SMFI_V1_ACTS`: what a protocol 1 filter could do. libmilter assumes this set when the MTA offers none.
    public static let version1: MilterActions = [.addHeaders, .changeBody, .addRecipients, .deleteRecipients]
    /// `SMFI_V2_ACTS`: what a protocol 2 filter could do.
    public static let version2: MilterActions = [.version1, .changeHeaders, .quarantine]
    /// `SMFI_CURR_ACTS`: every action defined by protocol 6.
    public static let allKnown: MilterActions = [.version2, .changeSender, .addRecipientsWithParameters, .setSymbolList]
}

extension MilterActions: CustomStringConvertible {
    /// The libmilter names joined with `|`, unknown bits in hex.
    public var description: String {
        let names: [(MilterActions, String)] = [
            (.addHeaders, "ADDHDRS"), (.changeBody, "CHGBODY"), (.addRecipients, "ADDRCPT"),
            (.deleteRecipients, "DELRCPT"), (.changeHeaders, "CHGHDRS"), (.quarantine, "QUARANTINE"),
            (.changeSender, "CHGFROM"), (.addRecipientsWithParameters, "ADDRCPT_PAR"),
            (.setSymbolList, "SETSYMLIST"),
        ]
        return flagDescription(rawValue, names.map { ($0.0.rawValue, $0.1) })
    }
}

/// `A|B|0x100`-style text for a flag word, shared by the option sets.
func flagDescription(_ raw: UInt32, _ names: [(UInt32, String)]) -> String {
    var parts: [String] = []
    var rest = raw
    for (bit, name) in names where raw & bit == bit && bit != 0 {
        parts.append(name)
        rest &= ~bit
    }
    if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
    return parts.isEmpty ? "[]" : parts.joined(separator: "|")
}
