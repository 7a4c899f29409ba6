public import DKIMCrypto

/// A domain name as DKIM compares them: ASCII case-insensitive, without a trailing dot.
public struct DomainName: Sendable, Hashable, CustomStringConvertible {
    /// Lowercased, trailing dot removed.
    public let value: String

    public init?(_ text: String) {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253,
              !name.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "@") }),
              !name.hasPrefix("."), !name.contains("..")
        else { return nil }
        self.value = name
    }

    /// True when `self` equals `other` or is a subdomain of it.
    public func isSubdomain(of other: DomainName) -> Bool {
        value == other.value || value.hasSuffix("." + other.value)
    }

    public var description: String { value }
}

/// A DKIM selector (RFC 6376 §3.1): one or more dot-separated labels.
public struct Selector: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 253,
              !text.hasPrefix("."), !text.hasSuffix("."), !text.contains(".."),
              text.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 >= 0x80 })
        else { return nil }
        self.value = text
    }

    public var description: String { value }
}

/// The `a=` algorithms (RFC 6376 §3.3, RFC 8463). rsa-sha1 is parsed so it can be reported, never accepted.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case rsaSHA1 = "rsa-sha1"
    case rsaSHA256 = "rsa-sha256"
    case ed25519SHA256 = "ed25519-sha256"

    public var keyType: KeyType {
        switch self {
        case .rsaSHA1, .rsaSHA256: return .rsa
        case .ed25519SHA256: return .ed25519
        }
    }

    public var digest: DigestAlgorithm { self == .rsaSHA1 ? .sha1 : .sha256 }

    /// The algorithm to sign with for a key of `type` (SHA-1 is never chosen).
    public static func signing(with type: KeyType) -> SigningAlgorithm {
        type == .rsa ? .rsaSHA256 : .ed25519SHA256
    }

    public var description: String { rawValue }
}

