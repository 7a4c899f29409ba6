internal import COpenSSL

/// A failure in the crypto layer, with OpenSSL's own reason where OpenSSL produced it.
///
/// A struct with a private code, so that new cases can be added without breaking callers.
public struct DKIMCryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case notAKey
        case unsupportedKeyType
        case invalidPublicKey
        case keyTooSmall
        case openSSL
    }

    private let code: Code
    /// Human-readable detail; never contains key material.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The bytes are not a private key in any format we read (PEM PKCS#1/PKCS#8, DER).
    public static func notAKey(_ detail: String) -> Self { .init(.notAKey, detail) }
    /// A key of a type DKIM cannot use (neither RSA nor Ed25519).
    public static func unsupportedKeyType(_ detail: String) -> Self { .init(.unsupportedKeyType, detail) }
    /// A `p=` value that does not decode to a public key of the declared type.
    public static func invalidPublicKey(_ detail: String) -> Self { .init(.invalidPublicKey, detail) }
    /// A key size request below what RFC 8301 allows.
    public static func keyTooSmall(_ detail: String) -> Self { .init(.keyTooSmall, detail) }

    /// Drains OpenSSL's thread-local error queue into one error.
    static func openSSL(_ operation: String) -> Self {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let why = reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
        return .init(.openSSL, "\(operation) failed: \(why)")
    }

    public var isNotAKey: Bool { code == .notAKey }
    public var isInvalidPublicKey: Bool { code == .invalidPublicKey }

    public var description: String { detail }
}
