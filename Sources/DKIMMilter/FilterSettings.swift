public import DKIM
public import DKIMConfig
import Synchronization

/// Everything one message needs from the configuration, as one immutable value. A message takes the
/// settings current at its MAIL command and keeps them to the end, so a reload never changes a message
/// half-way.
public struct FilterSettings: Sendable {
    public var policy: SigningPolicy
    public var resolver: any DKIMKeyResolver
    /// Our authserv-id; nil uses the MTA's `j` macro, then this host's name.
    public var authservID: String?
    public var verification: VerificationOptions
    /// Stop reading (and just accept) a message with more header fields or header bytes than this.
    public var maximumHeaders: Int
    public var maximumHeaderBytes: Int

    public init(policy: SigningPolicy, resolver: any DKIMKeyResolver, authservID: String?,
                verification: VerificationOptions, maximumHeaders: Int = 10_000, maximumHeaderBytes: Int = 4 << 20) {
        self.policy = policy
        self.resolver = resolver
        self.authservID = authservID
        self.verification = verification
        self.maximumHeaders = maximumHeaders
        self.maximumHeaderBytes = maximumHeaderBytes
    }

    public var configuration: DaemonConfiguration { policy.configuration }
}

/// Holds the current settings; a reload swaps the value atomically.
public final class FilterSettingsStore: Sendable {
    private let value: Mutex<FilterSettings>

    public init(_ settings: FilterSettings) { value = Mutex(settings) }

    public var current: FilterSettings { value.withLock { $0 } }

    public func replace(with settings: FilterSettings) { value.withLock { $0 = settings } }
}
