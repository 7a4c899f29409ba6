internal import COpenSSL

/// The hash functions DKIM names in `a=` (RFC 6376 §3.3, RFC 8301).
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha1
    case sha256

    /// The digest implementation, fetched from the provider once per process. OpenSSL 3 otherwise looks it up
    /// again (under a lock) in every `EVP_DigestInit_ex`, which shows in per-message profiles.
    var md: OpaquePointer {
        switch self {
        case .sha1: return FetchedDigests.sha1
        case .sha256: return FetchedDigests.sha256
        }
    }

    /// Length of the digest in bytes.
    public var length: Int { self == .sha1 ? 20 : 32 }
}

private enum FetchedDigests {
    nonisolated(unsafe) static let sha1: OpaquePointer = EVP_MD_fetch(nil, "SHA1", nil) ?? EVP_sha1()
    nonisolated(unsafe) static let sha256: OpaquePointer = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
}

/// A streaming hash over OpenSSL's EVP interface.
///
/// A class because the context is an owned C object; not thread-safe, use from one task at a time.
public final class HashContext {
    private let ctx: OpaquePointer
    public let algorithm: DigestAlgorithm

    public init(_ algorithm: DigestAlgorithm) {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.ctx = ctx
        self.algorithm = algorithm
        precondition(EVP_DigestInit_ex(ctx, algorithm.md, nil) == 1, "EVP_DigestInit_ex failed")
    }

    deinit { EVP_MD_CTX_free(ctx) }

    @inline(__always)
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = dkim_EVP_DigestUpdate(ctx, base, bytes.count)
    }

    public func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { self.update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { self.update($0) }
        }
    }

    /// Returns the digest; the context must not be used afterwards.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(ctx, &out, &length) == 1, "EVP_DigestFinal_ex failed")
        return Array(out.prefix(Int(length)))
    }

    /// One-shot hash of a byte sequence.
    public static func hash<Bytes: Sequence>(_ algorithm: DigestAlgorithm, _ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let context = HashContext(algorithm)
        context.update(bytes)
        return context.finalize()
    }
}
