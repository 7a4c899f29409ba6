/// The SMTP client's address as a CONNECT packet carries it: family, port and address text.
///
/// The address stays text, exactly as the MTA wrote it (Postfix: `192.0.2.1`, `2001:db8::1`, a socket
/// path for local clients): this module does not parse IP addresses. A client Postfix reaches through the
/// `sendmail` command shows up as `127.0.0.1`, port 0.
public struct MilterSocketAddress: Hashable, Sendable {
    /// Which kind of address this is; ``MilterAddressFamily/unknown`` means the MTA sent none.
    public var family: MilterAddressFamily
    /// The client's port in host order; 0 for unix sockets, unknown families and the `sendmail` path.
    public var port: UInt16
    /// The address text; empty for ``MilterAddressFamily/unknown``.
    public var address: String

    public init(family: MilterAddressFamily, port: UInt16, address: String) {
        self.family = family
        self.port = port
        self.address = address
    }

    /// No address (`SMFIA_UNKNOWN`). Encoding writes only the family byte, whatever port and address say.
    public static let unknown = MilterSocketAddress(family: .unknown, port: 0, address: "")

    /// An IPv4 client.
    public static func inet(_ address: String, port: UInt16) -> Self {
        .init(family: .inet, port: port, address: address)
    }

    /// An IPv6 client.
    public static func inet6(_ address: String, port: UInt16) -> Self {
        .init(family: .inet6, port: port, address: address)
    }

    /// A client on a local socket.
    public static func unix(path: String) -> Self {
        .init(family: .unix, port: 0, address: path)
    }
}
