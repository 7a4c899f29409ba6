internal import COpenSSL

/// A DKIM signing key: RSA or Ed25519, read from PEM (PKCS#1 or PKCS#8) or DER.
///
/// Loaded once and shared; `description` never shows key material.
public struct PrivateKey: Sendable, CustomStringConvertible {
    let backing: KeyBacking
    public let type: KeyType
    /// Modulus size for RSA, 256 for Ed25519.
    public let bits: Int

    init(backing: KeyBacking) throws {
        guard let type = backing.keyType else {
            throw DKIMCryptoError.unsupportedKeyType("key type is neither RSA nor Ed25519")
        }
        self.backing = backing
        self.type = type
        self.bits = backing.bits
    }

    /// Reads a private key from PEM or DER bytes, whichever they are.
    public init(bytes: [UInt8]) throws {
        ERR_clear_error()
        if let pkey = Self.readPEM(bytes) ?? Self.readDER(bytes) {
            ERR_clear_error()
            try self.init(backing: KeyBacking(taking: pkey))
            return
        }
        let looksPEM = bytes.starts(with: Array("-----BEGIN".utf8)) || String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN")
        let reason = DKIMCryptoError.openSSL("reading the key").detail
        throw DKIMCryptoError.notAKey(looksPEM ? "PEM data is not a readable RSA or Ed25519 private key (\(reason))"
                                                : "not a PEM or DER private key")
    }

    /// An Ed25519 key from its 32-byte seed (the form RFC 8463 Appendix A and dkimpy use).
    public init(ed25519Seed seed: [UInt8]) throws {
        guard seed.count == 32 else { throw DKIMCryptoError.notAKey("an Ed25519 seed is 32 bytes, this one is \(seed.count)") }
        guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw DKIMCryptoError.openSSL("EVP_PKEY_new_raw_private_key")
        }
        try self.init(backing: KeyBacking(taking: pkey))
    }

    private static func readPEM(_ bytes: [UInt8]) -> OpaquePointer? {
        bytes.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = dkim_BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            // A nil password callback with an encrypted key would prompt on the terminal; pass an empty one.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
    }

    private static func readDER(_ bytes: [UInt8]) -> OpaquePointer? {
        bytes.withUnsafeBytes { raw -> OpaquePointer? in
            guard raw.count > 0 else { return nil }
            var cursor: UnsafePointer<UInt8>? = dkim_uchar(raw.baseAddress)
            return d2i_AutoPrivateKey(nil, &cursor, raw.count)
        }
    }

    /// Generates a new key: RSA of `bits` (at least 1024), or Ed25519 (bits ignored).
    public static func generate(_ type: KeyType, bits: Int = 2048) throws -> PrivateKey {
        if type == .rsa && bits < 1024 {
            throw DKIMCryptoError.keyTooSmall("RSA keys under 1024 bits are not acceptable (RFC 8301)")
        }
        guard let ctx = EVP_PKEY_CTX_new_id(type.nid, nil) else { throw DKIMCryptoError.openSSL("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw DKIMCryptoError.openSSL("EVP_PKEY_keygen_init") }
        if type == .rsa {
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else {
                throw DKIMCryptoError.openSSL("EVP_PKEY_CTX_set_rsa_keygen_bits")
            }
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen(ctx, &pkey) == 1, let pkey else { throw DKIMCryptoError.openSSL("EVP_PKEY_keygen") }
        return try PrivateKey(backing: KeyBacking(taking: pkey))
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), which OpenDKIM also reads.
    public func pemPKCS8() throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw DKIMCryptoError.openSSL("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, backing.pointer, nil, nil, 0, nil, nil) == 1 else {
            throw DKIMCryptoError.openSSL("PEM_write_bio_PrivateKey")
        }
        var data: UnsafeRawPointer?
        let length = dkim_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { throw DKIMCryptoError.openSSL("BIO_get_mem_data") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// The public half.
    public var publicKey: PublicKey {
        // The EVP_PKEY holds both halves; a public key view shares it.
        PublicKey(unchecked: backing, type: type)
    }

    /// Signs a message digest as DKIM does: RSASSA-PKCS1-v1_5 with the DigestInfo of `algorithm` for RSA
    /// (RFC 6376 §3.3.1), PureEdDSA over the digest bytes for Ed25519 (RFC 8463 §3).
    public func sign(digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        switch type {
        case .rsa:
            guard let ctx = EVP_PKEY_CTX_new(backing.pointer, nil) else { throw DKIMCryptoError.openSSL("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_sign_init(ctx) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1,
                  EVP_PKEY_CTX_set_signature_md(ctx, algorithm.md) == 1
            else { throw DKIMCryptoError.openSSL("RSA sign setup") }
            var length = 0
            guard EVP_PKEY_sign(ctx, nil, &length, digest, digest.count) == 1 else { throw DKIMCryptoError.openSSL("EVP_PKEY_sign") }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_sign(ctx, &signature, &length, digest, digest.count) == 1 else { throw DKIMCryptoError.openSSL("EVP_PKEY_sign") }
            return Array(signature.prefix(length))
        case .ed25519:
            guard let md = EVP_MD_CTX_new() else { throw DKIMCryptoError.openSSL("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(md) }
            guard EVP_DigestSignInit(md, nil, nil, nil, backing.pointer) == 1 else { throw DKIMCryptoError.openSSL("EVP_DigestSignInit") }
            var length = 64
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(md, &signature, &length, digest, digest.count) == 1 else { throw DKIMCryptoError.openSSL("EVP_DigestSign") }
            return Array(signature.prefix(length))
        }
    }

    public var description: String { "PrivateKey(\(type.rawValue), \(bits) bits)" }
}
