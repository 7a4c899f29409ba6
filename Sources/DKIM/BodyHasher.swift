public import DKIMCrypto

/// Canonicalizes and hashes a streamed body for one (`c=` body algorithm, hash, `l=`) combination.
///
/// Also counts the canonical body length past `l=`, so a verifier can report content appended after the
/// signed length (RFC 6376 §8.2).
public final class BodyHasher {
    public struct Parameters: Hashable, Sendable {
        public var canonicalization: CanonicalizationAlgorithm
        public var digest: DigestAlgorithm
        /// `l=`: hash only this many canonical bytes; nil hashes everything.
        public var lengthLimit: UInt64?

        public init(canonicalization: CanonicalizationAlgorithm, digest: DigestAlgorithm, lengthLimit: UInt64? = nil) {
            self.canonicalization = canonicalization
            self.digest = digest
            self.lengthLimit = lengthLimit
        }
    }

    public let parameters: Parameters
    private var canonicalizer: BodyCanonicalizer
    private let hash: HashContext
    /// Canonical bytes seen so far (hashed or not).
    public private(set) var canonicalLength: UInt64 = 0
    private var result: [UInt8]?

    public init(_ parameters: Parameters) {
        self.parameters = parameters
        self.canonicalizer = BodyCanonicalizer(parameters.canonicalization)
        self.hash = HashContext(parameters.digest)
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        let before = canonicalLength
        canonicalLength += UInt64(bytes.count)
        if let limit = parameters.lengthLimit {
            guard before < limit else { return }
            let take = Int(min(UInt64(bytes.count), limit - before))
            hash.update(UnsafeRawBufferPointer(rebasing: bytes.prefix(take)))
        } else {
            hash.update(bytes)
        }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        canonicalizer.update(bytes) { consume($0) }
    }

    public func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        canonicalizer.update(bytes) { consume($0) }
    }

    /// The body hash (`bh=`). Idempotent: the first call ends the body.
    public func finish() -> [UInt8] {
        if let result { return result }
        canonicalizer.finish { consume($0) }
        let digest = hash.finalize()
        result = digest
        return digest
    }
}

/// A set of body hashers keyed by parameters, so several signatures that agree on `c=`, hash and `l=`
/// share one pass over the body.
public final class BodyHasherSet {
    private var hashers: [BodyHasher.Parameters: BodyHasher] = [:]
    private var order: [BodyHasher] = []

    public init() {}

    /// The hasher for `parameters`, created on first use. Call before the body starts.
    @discardableResult
    public func hasher(for parameters: BodyHasher.Parameters) -> BodyHasher {
        if let existing = hashers[parameters] { return existing }
        let hasher = BodyHasher(parameters)
        hashers[parameters] = hasher
        order.append(hasher)
        return hasher
    }

    public var count: Int { order.count }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        for hasher in order { hasher.update(bytes) }
    }

    public func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }
}
