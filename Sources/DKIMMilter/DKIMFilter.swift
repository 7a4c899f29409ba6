public import MilterProtocol
public import MilterServer

/// The milter filter: for each connection a session that signs mail from our own senders and verifies the
/// rest, as the OpenDKIM configuration says.
public struct DKIMFilter: MilterFilter {
    public let settings: FilterSettingsStore
    public let metrics: MilterMetrics

    public init(settings: FilterSettingsStore, metrics: MilterMetrics = .disabled) {
        self.settings = settings
        self.metrics = metrics
    }

    /// We add DKIM-Signature and Authentication-Results and delete forged Authentication-Results; we need
    /// neither HELO, recipients, DATA nor unknown commands. Connect, MAIL, headers and the body we need.
    ///
    /// Where the MTA offers it (protocol 6), no step but the end of the message waits for our reply: the
    /// body streams without a round trip per chunk. The price is that a message we will not touch still
    /// sends us its body (we cannot answer "accept" at the end of the headers), which costs less than the
    /// round trips it saves on every message we do touch.
    public var negotiation: MilterStateMachine.Configuration {
        MilterStateMachine.Configuration(
            actions: [.addHeaders, .changeHeaders],
            skippedSteps: [.noHelo, .noRecipient, .noData, .noUnknown],
            noReplySteps: MilterStateMachine.Configuration.alwaysContinueSteps.union([.noReplyEndOfHeaders, .noReplyBody]),
            headerLeadingSpace: true
        )
    }

    public func makeSession(_ connection: MilterConnectionInfo) -> any MilterSession {
        DKIMMilterSession(settings: settings, metrics: metrics, logger: connection.logger)
    }
}
