/// Something in the configuration that does not stop the daemon but that an administrator should hear about:
/// an option we ignore, a line that OpenDKIM would have read differently, a key file with loose permissions.
///
/// Warnings are collected while loading and handed to the caller, which logs them once at start and on
/// every reload.
public struct ConfigWarning: Hashable, Sendable, CustomStringConvertible {
    /// What sort of warning; an open set, so new kinds can be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// An option neither we nor OpenDKIM know.
        public static let unknownOption = Kind("unknown-option")
        /// An OpenDKIM option this daemon does not implement; it is ignored.
        public static let notImplemented = Kind("not-implemented")
        /// A line OpenDKIM would read differently (often: never match); we do what the line evidently means.
        public static let openDKIMDifference = Kind("opendkim-difference")
        /// A key file others may read or write, accepted because `RequireSafeKeys` is off.
        public static let unsafeKeyFile = Kind("unsafe-key-file")
        /// The same option or table key given twice.
        public static let duplicate = Kind("duplicate")
        /// A setting that has no effect in this configuration.
        public static let ineffective = Kind("ineffective")

        public var description: String { name }
    }

    public let kind: Kind
    public let location: ConfigLocation
    public let message: String

    public init(_ kind: Kind, _ message: String, at location: ConfigLocation) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): warning: \(message)" }
}
