extension MilterStateMachine {
    /// What the filter asks for in option negotiation. Each request is cut down to what the MTA offers.
    public struct Configuration: Hashable, Sendable {
        /// The modifications the filter wants to make, e.g. `[.addHeaders, .changeHeaders]`.
        public var actions: MilterActions
        /// Steps the filter has no use for (`NO*` flags, e.g. `[.noHelo, .noRecipient, .noData, .noUnknown]`).
        /// Other bits are ignored.
        public var skippedSteps: MilterProtocolOptions
        /// Steps after which the filter always continues, so the MTA need not wait for a reply (`NR_*`
        /// flags). Other bits are ignored. Where the MTA does not offer a flag (Postfix at protocol 2
        /// offers none), the step still expects a reply and the event says so.
        public var noReplySteps: MilterProtocolOptions
        /// Ask for `SMFIP_HDR_LEADSPC`, so that header values arrive with their leading space and need no
        /// guessing to rebuild the exact header.
        public var headerLeadingSpace: Bool
        /// Further flags to ask for when offered, such as ``MilterProtocolOptions/skip`` or
        /// ``MilterProtocolOptions/rejectedRecipients``.
        public var additionalOptions: MilterProtocolOptions
        /// Answer `SMFIP_MDS_1M` (or else `SMFIP_MDS_256K`) when offered, which lets the MTA send larger
        /// packets; the frame parser's maximum must then be at least 1 MiB (its default is).
        public var acceptsLargeDataSizes: Bool
        /// Macro lists to send with the negotiation answer; only sent when
        /// ``MilterActions/setSymbolList`` is among ``actions`` and offered.
        public var macroRequests: [MilterMacroRequest]
        /// The highest protocol version to answer with; clamped to 2...6.
        public var highestVersion: UInt32

        /// The `NR_*` flags for the steps a signing/verifying filter never answers with anything but
        /// continue: connect, HELO, MAIL, RCPT, DATA, unknown commands and each header. End-of-headers
        /// and body chunks are left out so that the filter can still accept or skip there.
        public static let alwaysContinueSteps: MilterProtocolOptions = [
            .noReplyConnect, .noReplyHelo, .noReplyMail, .noReplyRecipient, .noReplyData, .noReplyUnknown,
            .noReplyHeaders,
        ]

        public init(
            actions: MilterActions,
            skippedSteps: MilterProtocolOptions = [],
            noReplySteps: MilterProtocolOptions = Configuration.alwaysContinueSteps,
            headerLeadingSpace: Bool = true,
            additionalOptions: MilterProtocolOptions = [],
            acceptsLargeDataSizes: Bool = true,
            macroRequests: [MilterMacroRequest] = [],
            highestVersion: UInt32 = MilterConstants.protocolVersion
        ) {
            self.actions = actions
            self.skippedSteps = skippedSteps
            self.noReplySteps = noReplySteps
            self.headerLeadingSpace = headerLeadingSpace
            self.additionalOptions = additionalOptions
            self.acceptsLargeDataSizes = acceptsLargeDataSizes
            self.macroRequests = macroRequests
            self.highestVersion = highestVersion
        }
    }
}
