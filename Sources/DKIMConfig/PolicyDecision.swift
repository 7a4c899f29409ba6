/// What to do with one message: sign it, verify it, or leave it alone — never both signing and verifying,
/// as in OpenDKIM — together with the reasons, for `LogWhy` and `dkimctl explain`.
public struct PolicyDecision: Sendable {
    public enum Action: Sendable {
        /// Sign with each of these keys, in order.
        case sign([SigningKeyChoice])
        /// Verify the message's signatures and report them in Authentication-Results.
        case verify
        /// Neither.
        case skip(SkipReason)
    }

    public let action: Action
    /// Each rule that was consulted and what it said, with the file:line that decided
    /// ("InternalHosts /etc/opendkim/TrustedHosts:1 (127.0.0.1) matches 127.0.0.1").
    public let reasons: [String]
    /// OpenDKIM's "external host ... attempted to send as ..." notice: set when a client that is not ours
    /// sends as a domain we hold keys for and is not on ExternalIgnoreList. Meant for the log.
    public let externalSenderNotice: String?

    public init(action: Action, reasons: [String], externalSenderNotice: String? = nil) {
        self.action = action
        self.reasons = reasons
        self.externalSenderNotice = externalSenderNotice
    }

    /// The keys to sign with, or nil when the message is not to be signed.
    public var signingKeys: [SigningKeyChoice]? {
        if case .sign(let keys) = action { return keys }
        return nil
    }

    public var isVerify: Bool {
        if case .verify = action { return true }
        return false
    }

    /// Why the message is skipped, or nil when it is signed or verified.
    public var skipReason: SkipReason? {
        if case .skip(let reason) = action { return reason }
        return nil
    }
}
