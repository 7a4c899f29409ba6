import DKIMCrypto

/// Verification policy knobs. Defaults follow RFC 6376 and RFC 8301.
public struct VerificationOptions: Sendable {
    /// Seconds since the epoch; injected so tests are deterministic.
    public var now: @Sendable () -> UInt64
    /// How far in the future `t=` may be before the signature is rejected.
    public var allowedClockDrift: UInt64
    /// Signatures beyond this many (top to bottom) are not checked, bounding the work a message can cause.
    public var maximumSignatures: Int
    /// RSA keys shorter than this give `policy` (RFC 8301: at least 1024).
    public var minimumRSAKeyBits: Int

    public init(now: @escaping @Sendable () -> UInt64, allowedClockDrift: UInt64 = 300,
                maximumSignatures: Int = 10, minimumRSAKeyBits: Int = 1024) {
        self.now = now
        self.allowedClockDrift = allowedClockDrift
        self.maximumSignatures = maximumSignatures
        self.minimumRSAKeyBits = max(minimumRSAKeyBits, 1024)
    }
}

/// The outcome for one DKIM-Signature field.
public struct SignatureVerification: Sendable, Hashable {
    public var result: DKIMResult
    /// `d=`, `s=`, `a=` as far as they could be read.
    public var domain: String?
    public var selector: String?
    public var algorithm: String?
    /// `i=` (or its default) when the signature parsed.
    public var identity: String?
    /// First characters of `b=` for `header.b` (RFC 6008).
    public var signaturePrefix: String?
    /// The key record said `t=y`.
    public var keyTesting: Bool = false
    public var dnssec: DNSSECStatus = .unknown
    /// With `l=`: how many canonical body bytes the signature covers, and how many the body has.
    public var signedBodyLength: UInt64?
    public var bodyLength: UInt64?

    /// True when content follows the part of the body that `l=` covers.
    public var hasUnsignedBodyContent: Bool {
        guard let signedBodyLength, let bodyLength else { return false }
        return bodyLength > signedBodyLength
    }
}

/// Verifies every DKIM-Signature of one message. Give it the header fields, stream the body through
/// `updateBody`, then `finish` looks up the keys (concurrently, through the injected resolver) and checks.
public final class DKIMVerifier {
    private struct Candidate {
        var signature: DKIMSignature
        var field: HeaderField
        var hasher: BodyHasher
    }

    private let headers: [HeaderField]
    private let options: VerificationOptions
    private let bodyHashers = BodyHasherSet()
    private var candidates: [Int: Candidate] = [:]
    /// One entry per DKIM-Signature field, in message order; filled early for those that fail parsing.
    private var early: [SignatureVerification?]

    public init(headers: [HeaderField], options: VerificationOptions) {
        self.headers = headers
        self.options = options
        let fields = headers.filter { $0.hasName("DKIM-Signature") }.prefix(options.maximumSignatures)
        var early: [SignatureVerification?] = []
        for (index, field) in fields.enumerated() {
            do {
                let signature = try DKIMSignature(parsing: field)
                let hasher = bodyHashers.hasher(for: .init(canonicalization: signature.canonicalization.body,
                                                           digest: signature.algorithm.digest,
                                                           lengthLimit: signature.bodyLength))
                candidates[index] = Candidate(signature: signature, field: field, hasher: hasher)
                early.append(nil)
            } catch {
                early.append(SignatureVerification(result: .permError(error.description), domain: error.domain,
                                                   selector: error.selector, algorithm: error.algorithm))
            }
        }
        self.early = early
    }

    /// Number of DKIM-Signature fields that will be reported.
    public var signatureCount: Int { early.count }

    public func updateBody(_ bytes: UnsafeRawBufferPointer) { bodyHashers.update(bytes) }
    public func updateBody<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 { bodyHashers.update(bytes) }

    /// Ends the body and returns one verification per DKIM-Signature field, in message order.
    public func finish(resolver: some DKIMKeyResolver) async -> [SignatureVerification] {
        // Look up each distinct key name once, all at the same time.
        let names = Set(candidates.values.map { "\($0.signature.selector.value)._domainkey.\($0.signature.domain.value)" })
        var answers: [String: TXTLookupResult] = [:]
        await withTaskGroup(of: (String, TXTLookupResult).self) { group in
            for name in names { group.addTask { (name, await resolver.lookupTXT(name)) } }
            for await (name, answer) in group { answers[name] = answer }
        }
        return early.indices.map { index in
            if let done = early[index] { return done }
            let candidate = candidates[index]!
            let name = "\(candidate.signature.selector.value)._domainkey.\(candidate.signature.domain.value)"
            return check(candidate, answer: answers[name] ?? .temporaryFailure("no answer"))
        }
    }

    private func check(_ candidate: Candidate, answer: TXTLookupResult) -> SignatureVerification {
        let signature = candidate.signature
        var outcome = SignatureVerification(result: .none, domain: signature.domain.value,
                                            selector: signature.selector.value,
                                            algorithm: signature.algorithm.rawValue, identity: signature.identity,
                                            signaturePrefix: String(signature.signatureBase64.prefix(8)))
        outcome.result = evaluate(candidate, answer: answer, outcome: &outcome)
        return outcome
    }

    private func evaluate(_ candidate: Candidate, answer: TXTLookupResult, outcome: inout SignatureVerification) -> DKIMResult {
        let signature = candidate.signature
        let now = options.now()
        if let expiration = signature.expiration, expiration < now {
            return .permError("signature expired (x=\(expiration))")
        }
        if let timestamp = signature.timestamp, timestamp > now + options.allowedClockDrift {
            return .permError("signature timestamp t=\(timestamp) is in the future")
        }

        // The key (RFC 6376 §6.1.2).
        let records: [[UInt8]]
        switch answer {
        case .found(let found, let dnssec):
            records = found
            outcome.dnssec = dnssec
        case .notFound(let why): return .permError("no key for signature: \(why)")
        case .temporaryFailure(let why): return .tempError("key lookup failed: \(why)")
        case .permanentFailure(let why): return .permError("key lookup failed: \(why)")
        }
        var record: KeyRecord?
        var firstError: KeyRecordError?
        for text in records {
            do { record = try KeyRecord(parsing: text); break } catch { firstError = firstError ?? error }
        }
        guard let record else { return .permError(firstError.map { "\($0)" } ?? "no key record") }
        outcome.keyTesting = record.testing
        guard record.keyType == signature.algorithm.keyType else {
            return .permError("key type k=\(record.keyType.rawValue) does not match a=\(signature.algorithm)")
        }
        if let allowed = record.hashAlgorithms, !allowed.contains(signature.algorithm.digest.rawValue) {
            return .permError("key record h=\(allowed.joined(separator: ":")) excludes \(signature.algorithm.digest.rawValue)")
        }
        guard record.serviceTypes.contains("*") || record.serviceTypes.contains("email") else {
            return .permError("key record s= does not include email")
        }
        if record.strictIdentity && signature.identityDomain != signature.domain.value {
            return .permError("key record t=s forbids i= in a subdomain of d=")
        }
        let key: PublicKey
        do { key = try record.publicKey() } catch { return .permError(error.description) }
        if key.type == .rsa && key.bits < options.minimumRSAKeyBits {
            return .policy("RSA key of \(key.bits) bits is below the minimum of \(options.minimumRSAKeyBits)")
        }

        // The body (RFC 6376 §6.1.3).
        let bodyHash = candidate.hasher.finish()
        if let limit = signature.bodyLength {
            outcome.signedBodyLength = limit
            outcome.bodyLength = candidate.hasher.canonicalLength
            if candidate.hasher.canonicalLength < limit {
                return .permError("l=\(limit) is longer than the body (\(candidate.hasher.canonicalLength) bytes)")
            }
        }
        guard bodyHash == signature.bodyHash else { return .fail("body hash did not verify") }

        // The headers.
        guard let blanked = DKIMSignature.blankingSignatureValue(of: candidate.field) else {
            return .permError("cannot locate b= in the signature")
        }
        let digest = HeaderSelection.headerHash(headers: headers, signedNames: signature.signedHeaders,
                                                blankedSignature: blanked,
                                                canonicalization: signature.canonicalization.header,
                                                digest: signature.algorithm.digest)
        guard key.verify(signature: signature.signature, digest: digest, algorithm: signature.algorithm.digest) else {
            return .fail("signature did not verify")
        }
        if signature.algorithm == .rsaSHA1 {
            return .policy("rsa-sha1 signature verified but is not acceptable (RFC 8301)")
        }
        return .pass
    }
}
