public import MilterProtocol
public import MilterServer

/// The milter filter: for each connection a session that signs mail from our own senders and verifies the
/// rest, as the OpenDKIM configuration says.
public struct DKIMFilter: MilterFilter {
    public let settings: FilterSettingsStore

    public init(settings: FilterSettingsStore) {
        self.settings = settings
    }

    /// We add DKIM-Signature and Authentication-Results and delete forged Authentication-Results; we need
    /// neither HELO, recipients, DATA nor unknown commands. Connect, MAIL, headers and the body we need.
    public var negotiation: MilterStateMachine.Configuration {
        MilterStateMachine.Configuration(
            actions: [.addHeaders, .changeHeaders],
            skippedSteps: [.noHelo, .noRecipient, .noData, .noUnknown],
            headerLeadingSpace: true
        )
    }

    public func makeSession(_ connection: MilterConnectionInfo) -> any MilterSession {
        DKIMMilterSession(settings: settings, logger: connection.logger)
    }
}
