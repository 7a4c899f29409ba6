/// Why a message is neither signed nor verified. An open set of reasons.
public struct SkipReason: Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case peer
        case noUsableFrom
        case signingDisabled
        case verifyingDisabled
    }

    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The client is on PeerList: OpenDKIM accepts such connections untouched.
    public static let peerList = SkipReason(.peer, "client is on PeerList")
    /// No From address with a domain. OpenDKIM, when it signs, then adds only an Authentication-Results
    /// field saying `dkim=permerror (bad message/signature format)`.
    public static let noUsableFrom = SkipReason(.noUsableFrom, "no From address with a domain")
    /// The message is ours and has keys, but Mode has no `s`; OpenDKIM then neither signs nor verifies.
    public static let signingDisabled = SkipReason(.signingDisabled, "would sign, but Mode does not include s")
    /// The message would be verified, but Mode has no `v`.
    public static let verifyingDisabled = SkipReason(.verifyingDisabled, "would verify, but Mode does not include v")

    /// A one-word name for metrics labels.
    public var keyword: String {
        switch code {
        case .peer: return "peer-list"
        case .noUsableFrom: return "no-from"
        case .signingDisabled, .verifyingDisabled: return "mode"
        }
    }

    public static func == (lhs: SkipReason, rhs: SkipReason) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
