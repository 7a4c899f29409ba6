internal import COpenSSL

/// A DKIM verification key, as published in a key record's `p=` (RFC 6376 §3.6.1, RFC 8463 §4).
public struct PublicKey: Sendable, Equatable, CustomStringConvertible {
    let backing: KeyBacking
    public let type: KeyType
    public let bits: Int

    init(unchecked backing: KeyBacking, type: KeyType) {
        self.backing = backing
        self.type = type
        self.bits = backing.bits
    }

    /// Decodes the base64-decoded `p=` bytes of a key record. RSA accepts SubjectPublicKeyInfo (what the RFC
    /// says) and a bare PKCS#1 RSAPublicKey (what some publishers put there); Ed25519 takes the 32 raw bytes.
    public init(dkimKeyData data: [UInt8], type: KeyType) throws {
        guard !data.isEmpty else { throw DKIMCryptoError.invalidPublicKey("empty key data") }
        ERR_clear_error()
        defer { ERR_clear_error() }
        let pkey: OpaquePointer?
        switch type {
        case .rsa:
            pkey = data.withUnsafeBytes { raw -> OpaquePointer? in
                var cursor: UnsafePointer<UInt8>? = dkim_uchar(raw.baseAddress)
                if let key = d2i_PUBKEY(nil, &cursor, raw.count) { return key }
                cursor = dkim_uchar(raw.baseAddress)
                return d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, raw.count)
            }
        case .ed25519:
            guard data.count == 32 else {
                throw DKIMCryptoError.invalidPublicKey("an Ed25519 key is 32 bytes, this one is \(data.count)")
            }
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, data, data.count)
        }
        guard let pkey else { throw DKIMCryptoError.invalidPublicKey("p= is not a valid \(type.rawValue) public key") }
        let backing = KeyBacking(taking: pkey)
        guard backing.keyType == type else {
            throw DKIMCryptoError.invalidPublicKey("p= holds a \(backing.keyType?.rawValue ?? "foreign") key, k= says \(type.rawValue)")
        }
        self.init(unchecked: backing, type: type)
    }

    /// The bytes to publish in `p=` (before base64): SubjectPublicKeyInfo DER for RSA, 32 raw bytes for Ed25519.
    public func dkimKeyData() throws -> [UInt8] {
        switch type {
        case .rsa: return try backing.subjectPublicKeyInfo()
        case .ed25519: return try backing.rawPublicKey()
        }
    }

    /// Verifies a DKIM signature over a digest (the inverse of `PrivateKey.sign(digest:algorithm:)`).
    public func verify(signature: [UInt8], digest: [UInt8], algorithm: DigestAlgorithm) -> Bool {
        defer { ERR_clear_error() }
        switch type {
        case .rsa:
            guard let ctx = EVP_PKEY_CTX_new(backing.pointer, nil) else { return false }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_verify_init(ctx) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1,
                  EVP_PKEY_CTX_set_signature_md(ctx, algorithm.md) == 1
            else { return false }
            return EVP_PKEY_verify(ctx, signature, signature.count, digest, digest.count) == 1
        case .ed25519:
            guard let md = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(md) }
            guard EVP_DigestVerifyInit(md, nil, nil, nil, backing.pointer) == 1 else { return false }
            return EVP_DigestVerify(md, signature, signature.count, digest, digest.count) == 1
        }
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
        guard lhs.type == rhs.type else { return false }
        return (try? lhs.backing.subjectPublicKeyInfo()) == (try? rhs.backing.subjectPublicKeyInfo())
    }

    public var description: String { "PublicKey(\(type.rawValue), \(bits) bits)" }
}
