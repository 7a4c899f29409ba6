public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `Syslog yes`: log lines go to syslog(3) with the configured facility, as OpenDKIM's do.
public struct SyslogLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    /// Opens the log once per process with `ident` and `facility` (mail, daemon, local0…local7, …).
    public static func bootstrap(ident: String, facility: String) {
        let code = Self.facilities[facility.lowercased()] ?? LOG_MAIL
        openlog(strdup(ident), LOG_PID | LOG_NDELAY, code)
    }

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let prefix = merged["qid"].map { "\($0): " } ?? ""
        let rest = merged.filter { $0.key != "qid" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = prefix + "\(event.message)" + (rest.isEmpty ? "" : " (\(rest))")
        let priority: Int32
        switch event.level {
        case .trace, .debug: priority = LOG_DEBUG
        case .info: priority = LOG_INFO
        case .notice: priority = LOG_NOTICE
        case .warning: priority = LOG_WARNING
        case .error: priority = LOG_ERR
        case .critical: priority = LOG_CRIT
        }
        withVaList([line]) { vsyslog(priority, "%s", $0) }
    }

    private static let facilities: [String: Int32] = [
        "mail": LOG_MAIL, "daemon": LOG_DAEMON, "user": LOG_USER, "auth": LOG_AUTH,
        "local0": LOG_LOCAL0, "local1": LOG_LOCAL1, "local2": LOG_LOCAL2, "local3": LOG_LOCAL3,
        "local4": LOG_LOCAL4, "local5": LOG_LOCAL5, "local6": LOG_LOCAL6, "local7": LOG_LOCAL7,
    ]
}
