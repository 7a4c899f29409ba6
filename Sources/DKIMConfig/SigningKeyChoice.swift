public import DKIM
public import DKIMCrypto

/// One signature to add: the key, the `d=` and `s=` it signs as, and which table lines chose it.
public struct SigningKeyChoice: Sendable {
    /// The `d=` domain, with a KeyTable `%` resolved to the From domain.
    public let domain: DomainName
    public let selector: Selector
    public let key: PrivateKey
    /// `SignatureAlgorithm` for a key of its type, otherwise the algorithm the key calls for (an Ed25519
    /// key next to an RSA one under MultipleSignatures signs with ed25519-sha256).
    public let algorithm: SigningAlgorithm
    /// The `i=` identity from the SigningTable's second field (or `@from-domain` when SubDomains signed for
    /// a parent domain); nil for none.
    public let identity: String?
    /// The KeyTable key name (``LoadedKeys/keyFileName`` for a single-key set-up).
    public let keyName: String
    /// The SigningTable line that chose the key; nil for a Domain/KeyFile set-up.
    public let signingTableLocation: ConfigLocation?
    /// The KeyTable line (or KeyFile setting) that holds the key.
    public let keyLocation: ConfigLocation

    public init(domain: DomainName, selector: Selector, key: PrivateKey, algorithm: SigningAlgorithm,
                identity: String?, keyName: String, signingTableLocation: ConfigLocation?, keyLocation: ConfigLocation) {
        self.domain = domain
        self.selector = selector
        self.key = key
        self.algorithm = algorithm
        self.identity = identity
        self.keyName = keyName
        self.signingTableLocation = signingTableLocation
        self.keyLocation = keyLocation
    }
}
