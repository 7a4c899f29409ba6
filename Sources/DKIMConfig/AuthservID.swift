/// The authserv-id written into Authentication-Results (`AuthservID`).
///
/// OpenDKIM uses the MTA's name (the `j` macro) when the option is absent, and the filter host's own name
/// when the value is exactly `HOSTNAME` (case-sensitive, opendkim.c `dkimf_config_load`).
public enum AuthservID: Hashable, Sendable, CustomStringConvertible {
    /// `HOSTNAME`: the name of the host running the daemon (`gethostname`).
    case hostName
    /// A literal authserv-id.
    case literal(String)

    public var description: String {
        switch self {
        case .hostName: return "HOSTNAME"
        case .literal(let text): return text
        }
    }
}
