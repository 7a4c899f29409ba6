/// A list of macro names the filter wants for one stage, sent at the end of its option negotiation answer
/// (`SMFIR_SETSYMLIST` data; libmilter's `smfi_setsymlist`).
///
/// The list *replaces* the MTA's configured list for that stage (Postfix: `milter_mail_macros` and
/// friends), so it must name every macro the filter needs there, `i` included. It is only sent when
/// ``MilterActions/setSymbolList`` was agreed.
public struct MilterMacroRequest: Hashable, Sendable {
    public var stage: MilterMacroStage
    /// Names as they go on the wire, for example `["i", "{auth_type}"]`; joined with spaces.
    public var names: [String]

    public init(stage: MilterMacroStage, names: [String]) {
        self.stage = stage
        self.names = names
    }
}
