/// A CIDR range such as `192.168.0.0/16` or `2001:db8::/32`.
///
/// The address is kept masked to the prefix. OpenDKIM matches a CIDR entry only when it is written with its
/// network address (util.c `dkimf_checkip` looks up `address-masked/bits` text), so `192.168.0.1/24` never
/// matches there; `parse` reports such host bits so the loader can warn and still match what was meant.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    /// A network from an address and prefix length; host bits are cleared. Nil if the prefix is out of range.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.bitCount else { return nil }
        self.address = address.masked(toPrefixLength: prefixLength)
        self.prefixLength = prefixLength
    }

    /// Parses `address/length`; nil unless both halves are valid.
    public init?(_ text: String) {
        guard let parsed = IPNetwork.parse(text) else { return nil }
        self = parsed.network
    }

    /// Parses `address/length` and says whether the address had bits set beyond the prefix.
    public static func parse(_ text: String) -> (network: IPNetwork, hadHostBits: Bool)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), parts[1].count <= 3,
              let length = Int(parts[1]), let network = IPNetwork(address: address, prefixLength: length)
        else { return nil }
        return (network, network.address != address)
    }

    /// Whether `candidate` lies in this range. Families must agree; compare `unmapped` addresses for the
    /// IPv4-in-IPv6 case.
    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.family == address.family && candidate.masked(toPrefixLength: prefixLength) == address
    }

    /// The same range as host lists compare it: a range inside `::ffff:0:0/96` becomes the IPv4 range.
    public var unmapped: IPNetwork {
        guard address.family == .v6, prefixLength >= 96, let v4 = address.mappedIPv4 else { return self }
        return IPNetwork(address: v4, prefixLength: prefixLength - 96) ?? self
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
