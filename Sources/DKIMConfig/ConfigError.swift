/// A configuration problem that stops the daemon from starting (or a reload from taking effect).
///
/// Only a bad *value* for something we implement is fatal: unknown options are warnings, as the design asks.
/// The description is one line, `file:line: message`, so it can go straight to stderr or syslog. Messages
/// name files and table keys but never print key material.
///
/// - SeeAlso: opendkim.conf(5), whose option meanings this module follows.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case badValue
        case unreadableFile
        case unsupportedDataSet
        case badTableLine
        case inconsistent
        case badKey
    }

    private let code: Code
    /// The file the problem is in.
    public let file: String
    /// 1-based line number; 0 when the problem is with the file as a whole.
    public let line: Int
    /// What is wrong, in one line, without the location.
    public let message: String

    private init(_ code: Code, _ message: String, at location: ConfigLocation) {
        self.code = code
        self.file = location.file
        self.line = location.line
        self.message = message
    }

    public var location: ConfigLocation { ConfigLocation(file: file, line: line) }

    public var description: String { "\(location): \(message)" }

    /// A value that is not acceptable for an option we implement (`Mode x`, `DNSTimeout -1`).
    static func badValue(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.badValue, message, at: location)
    }

    /// A file that cannot be opened or read (the configuration itself, an Include, a data set).
    static func unreadableFile(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.unreadableFile, message, at: location)
    }

    /// A data set of a kind we do not read (`db:`, `dsn:`, `ldap:`, ...).
    static func unsupportedDataSet(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.unsupportedDataSet, message, at: location)
    }

    /// A KeyTable, SigningTable or host list line that cannot be understood.
    static func badTableLine(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.badTableLine, message, at: location)
    }

    /// Options that do not fit together (a SigningTable without a KeyTable, a KeyFile without a Selector).
    static func inconsistent(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.inconsistent, message, at: location)
    }

    /// A signing key that cannot be used: missing, unreadable, unsafe, not a key, too small.
    static func badKey(_ message: String, at location: ConfigLocation) -> ConfigError {
        ConfigError(.badKey, message, at: location)
    }

    /// True for problems with a signing key file rather than with the configuration text.
    public var isKeyError: Bool { code == .badKey }
    /// True for a data set type we do not support.
    public var isUnsupportedDataSet: Bool { code == .unsupportedDataSet }
}
