public import DKIMCrypto

/// A DKIM key record as published in DNS (RFC 6376 §3.6.1, RFC 8463 §4).
public struct KeyRecord: Sendable, Hashable {
    public var keyType: KeyType
    /// `h=`: acceptable hash algorithms, lowercased; nil means all.
    public var hashAlgorithms: [String]?
    /// `p=` decoded; empty means the key was revoked.
    public var publicKeyData: [UInt8]
    /// `s=`: service types, lowercased; default `*`.
    public var serviceTypes: [String]
    /// `t=y`: the domain is testing DKIM.
    public var testing: Bool
    /// `t=s`: `i=` must be exactly `d=`, no subdomains.
    public var strictIdentity: Bool
    public var notes: String?

    public var isRevoked: Bool { publicKeyData.isEmpty }

    /// Parses the joined text of one TXT record.
    public init<Bytes: BidirectionalCollection>(parsing bytes: Bytes) throws(KeyRecordError) where Bytes.Element == UInt8, Bytes.Index == Int {
        let tags: TagList
        do { tags = try TagList(parsing: bytes) } catch { throw KeyRecordError("malformed key record: \(error)") }
        if let v = tags["v"] {
            guard v == "DKIM1" else { throw KeyRecordError("key record has v=\(v), not DKIM1") }
            guard tags.tags.first?.name == "v" else { throw KeyRecordError("v= is not the first tag of the key record") }
        }
        let k = (tags["k"] ?? "rsa").lowercased()
        guard let keyType = KeyType(rawValue: k) else { throw KeyRecordError("unknown key type k=\(k)") }
        guard let p = tags["p"] else { throw KeyRecordError("key record has no p=") }
        let compact = p.removingFWS
        guard let data = compact.isEmpty ? [] : Base64.decode(compact) else { throw KeyRecordError("p= is not valid base64") }
        self.keyType = keyType
        self.publicKeyData = data
        self.hashAlgorithms = tags["h"].map { $0.removingFWS.lowercased().split(separator: ":").map(String.init) }
        self.serviceTypes = (tags["s"] ?? "*").removingFWS.lowercased().split(separator: ":").map(String.init)
        let flags = (tags["t"] ?? "").removingFWS.lowercased().split(separator: ":")
        self.testing = flags.contains("y")
        self.strictIdentity = flags.contains("s")
        self.notes = tags["n"]
    }

    public init(parsing text: String) throws(KeyRecordError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The public key, or an error for a revoked or undecodable one.
    public func publicKey() throws(KeyRecordError) -> PublicKey {
        guard !isRevoked else { throw KeyRecordError("key revoked (empty p=)") }
        do { return try PublicKey(dkimKeyData: publicKeyData, type: keyType) } catch {
            throw KeyRecordError("p= is not a usable \(keyType.rawValue) key: \(error)")
        }
    }
}

public struct KeyRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
