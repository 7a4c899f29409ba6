/// What the milter knows about a message when the sign/verify decision is due (end of headers): the SMTP
/// client, the MTA macros, and the From address.
///
/// Built by the milter session from the CONNECT data and the macros the MTA sent; the decision itself
/// (``SigningPolicy/decide(_:)``) does no I/O.
public struct MessageFacts: Sendable {
    /// The client's address from CONNECT (nil for a local submission without one).
    public var clientAddress: IPAddress?
    /// The client's host name from CONNECT; a bracketed address (`[192.0.2.1]`) means "no name".
    public var clientHostName: String?
    /// True when the `{auth_type}` macro is set and not empty (SMTP AUTH succeeded).
    public var authenticated: Bool
    /// The `{daemon_name}` macro (Postfix: `milter_macro_daemon_name`, the service name in master.cf).
    public var daemonName: String?
    /// All macros the MTA sent, keyed by name with or without braces (`{auth_type}` or `auth_type`).
    public var macros: [String: String]
    /// The address from the From header field, already extracted (`alice@example.com`); see
    /// ``MailAddress/addresses(inHeaderValue:)``.
    public var fromAddress: String?

    public init(clientAddress: IPAddress? = nil, clientHostName: String? = nil, authenticated: Bool = false,
                daemonName: String? = nil, macros: [String: String] = [:], fromAddress: String? = nil) {
        self.clientAddress = clientAddress
        self.clientHostName = clientHostName
        self.authenticated = authenticated
        self.daemonName = daemonName
        self.macros = macros
        self.fromAddress = fromAddress
    }
}
