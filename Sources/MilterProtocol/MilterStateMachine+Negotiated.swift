extension MilterStateMachine {
    /// The outcome of option negotiation: what the MTA offered and what the filter answered.
    ///
    /// The filter reads this to choose its behaviour, for example ``headerLeadingSpace`` to rebuild
    /// headers exactly, or ``missingActions`` to fall back when the MTA cannot change headers.
    public struct Negotiated: Hashable, Sendable {
        /// The version answered: the lower of the offer and ours.
        public var version: UInt32
        /// The actions agreed: wanted ∩ offered.
        public var actions: MilterActions
        /// The protocol flags answered (always a subset of the offer).
        public var protocolOptions: MilterProtocolOptions
        /// The MTA's offer (after libmilter's defaults: an offer of 0 means protocol 1's set).
        public var offeredVersion: UInt32
        public var offeredActions: MilterActions
        public var offeredProtocolOptions: MilterProtocolOptions
        /// Actions the filter wanted but the MTA did not offer.
        public var missingActions: MilterActions

        /// Header values keep their leading whitespace (`SMFIP_HDR_LEADSPC` agreed). Without it the MTA
        /// removed one space after the colon, and a header the filter adds gets one put in front.
        public var headerLeadingSpace: Bool { protocolOptions.contains(.headerLeadingSpace) }

        /// Headers may be inserted (`SMFIR_INSHEADER`) and appended: `SMFIF_ADDHDRS` agreed. Postfix takes
        /// `SMFIR_INSHEADER` at every protocol version; sendmail before 8.13 (protocol 2) did not know it.
        public var canAddHeaders: Bool { actions.contains(.addHeaders) }

        /// Headers may be changed or deleted: `SMFIF_CHGHDRS` agreed.
        public var canChangeHeaders: Bool { actions.contains(.changeHeaders) }

        /// The MTA understands `SMFIR_SKIP`.
        public var canSkip: Bool { offeredProtocolOptions.contains(.skip) }

        /// Whether the MTA waits for a reply after a step with this `NR_*` flag.
        public func expectsReply(noReplyFlag: MilterProtocolOptions) -> Bool {
            !protocolOptions.contains(noReplyFlag)
        }
    }
}
