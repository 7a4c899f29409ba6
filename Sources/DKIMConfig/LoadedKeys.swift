public import DKIMCrypto

/// The private keys a configuration signs with, loaded once at start (or reload) by ``KeyLoader``.
public struct LoadedKeys: Sendable {
    /// One loaded key and the KeyTable line (or KeyFile setting) it came from.
    public struct Key: Sendable {
        public let entry: KeyTableEntry
        public let privateKey: PrivateKey
        /// When the key file was last written (seconds since the epoch): the key's age, for rotation.
        public let fileModified: Int64?

        public init(entry: KeyTableEntry, privateKey: PrivateKey, fileModified: Int64? = nil) {
            self.entry = entry
            self.privateKey = privateKey
            self.fileModified = fileModified
        }
    }

    /// The name under which a single-key set-up's `KeyFile` is kept.
    public static let keyFileName = "KeyFile"

    private let byName: [String: Key]
    /// Problems that did not stop loading: loose permissions with RequireSafeKeys off, unused broken keys.
    public let warnings: [ConfigWarning]

    public init(keys: [Key], warnings: [ConfigWarning] = []) {
        var byName: [String: Key] = [:]
        for key in keys where byName[key.entry.name] == nil { byName[key.entry.name] = key }
        self.byName = byName
        self.warnings = warnings
    }

    /// No keys (verify-only configurations).
    public static let none = LoadedKeys(keys: [])

    /// The key loaded for a KeyTable name (or ``keyFileName``).
    public subscript(name: String) -> Key? { byName[name] }

    /// Every loaded key, sorted by name.
    public var all: [Key] { byName.keys.sorted().map { byName[$0]! } }

    /// Names of the loaded keys, sorted.
    public var names: [String] { byName.keys.sorted() }

    public var count: Int { byName.count }
}
