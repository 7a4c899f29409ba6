internal import COpenSSL

/// The key types a DKIM key record may name in `k=` (RFC 6376 §3.6.1, RFC 8463).
public enum KeyType: String, Sendable, Hashable, CaseIterable {
    case rsa
    case ed25519

    var nid: Int32 {
        switch self {
        case .rsa: return EVP_PKEY_RSA
        case .ed25519: return EVP_PKEY_ED25519
        }
    }

    init?(nid: Int32) {
        switch nid {
        case EVP_PKEY_RSA: self = .rsa
        case EVP_PKEY_ED25519: self = .ed25519
        default: return nil
        }
    }
}

/// Owns one `EVP_PKEY`. OpenSSL 3 allows concurrent signing and verifying with a shared key object, as
/// each operation builds its own context, so a key may be used from any thread.
final class KeyBacking: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    var keyType: KeyType? { KeyType(nid: EVP_PKEY_get_base_id(pointer)) }
    var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    /// SubjectPublicKeyInfo DER of the public half.
    func subjectPublicKeyInfo() throws -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw DKIMCryptoError.openSSL("i2d_PUBKEY") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw DKIMCryptoError.openSSL("i2d_PUBKEY") }
        return out
    }

    /// The 32 raw bytes of an Ed25519 public key.
    func rawPublicKey() throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(pointer, nil, &length) == 1 else {
            throw DKIMCryptoError.openSSL("EVP_PKEY_get_raw_public_key")
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(pointer, &out, &length) == 1 else {
            throw DKIMCryptoError.openSSL("EVP_PKEY_get_raw_public_key")
        }
        return Array(out.prefix(length))
    }
}
