public import DKIMCrypto

/// What one signature should look like. Defaults follow common practice: relaxed/relaxed, the algorithm the
/// key calls for, the RFC 6376 §5.4.1 header set (plus MIME and Message-ID fields), no `l=`, `i=` or `x=`.
public struct SigningRequest: Sendable {
    public var domain: DomainName
    public var selector: Selector
    public var key: PrivateKey
    public var algorithm: SigningAlgorithm
    public var canonicalization: Canonicalization
    /// Header names to sign if present; nil uses `defaultSignedHeaders`. From is always signed.
    public var headers: [String]?
    /// Names to list once more than they occur, so nobody can add another instance (RFC 6376 §8.15).
    public var oversign: [String]
    /// `i=`, if wanted.
    public var identity: String?
    /// Emit `l=` with the full canonical body length (weakens the signature; off by default).
    public var includeBodyLength: Bool
    /// Seconds after `t=` for `x=`; nil leaves `x=` out.
    public var expiresAfter: UInt64?

    public init(domain: DomainName, selector: Selector, key: PrivateKey, algorithm: SigningAlgorithm? = nil,
                canonicalization: Canonicalization = .relaxedRelaxed, headers: [String]? = nil,
                oversign: [String] = [], identity: String? = nil, includeBodyLength: Bool = false,
                expiresAfter: UInt64? = nil) {
        self.domain = domain
        self.selector = selector
        self.key = key
        self.algorithm = algorithm ?? .signing(with: key.type)
        self.canonicalization = canonicalization
        self.headers = headers
        self.oversign = oversign
        self.identity = identity
        self.includeBodyLength = includeBodyLength
        self.expiresAfter = expiresAfter
    }

    /// RFC 6376 §5.4.1's recommended fields, plus Sender, Message-ID and the MIME fields whose change
    /// would alter how the body is read.
    public static let defaultSignedHeaders = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc",
        "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
        "In-Reply-To", "References",
        "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive",
        "Sender", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    ]

    /// The same, lowercased once rather than for every message.
    static let defaultSignedHeadersLowercased = defaultSignedHeaders.map { $0.lowercased() }
}

public struct SigningError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Signs one message with one or more keys. Feed the body as it streams; signatures that agree on body
/// canonicalization share one body hash. `finish` does the public-key work: call it off any event loop.
public final class DKIMSigner {
    private let requests: [SigningRequest]
    private let bodyHashers = BodyHasherSet()
    private let hasherForRequest: [BodyHasher]
    private let now: UInt64

    /// `now` is the `t=` value (seconds since the epoch): injected so tests are deterministic.
    public init(requests: [SigningRequest], now: UInt64) throws {
        guard !requests.isEmpty else { throw SigningError("no signing key") }
        for request in requests where request.algorithm.keyType != request.key.type {
            throw SigningError("\(request.algorithm) needs a \(request.algorithm.keyType.rawValue) key, the key for \(request.selector).\(request.domain) is \(request.key.type.rawValue)")
        }
        for request in requests where request.algorithm == .rsaSHA1 {
            throw SigningError("rsa-sha1 must not be used for signing (RFC 8301)")
        }
        self.requests = requests
        self.now = now
        let set = bodyHashers
        self.hasherForRequest = requests.map {
            set.hasher(for: .init(canonicalization: $0.canonicalization.body, digest: $0.algorithm.digest))
        }
    }

    /// How many distinct body hashes are being computed (less than the number of signatures when shared).
    public var bodyHashCount: Int { bodyHashers.count }

    public func updateBody(_ bytes: UnsafeRawBufferPointer) { bodyHashers.update(bytes) }
    public func updateBody<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 { bodyHashers.update(bytes) }

    /// Ends the body and returns one DKIM-Signature field per request, in request order, folded with CRLF.
    public func finish(headers: [HeaderField]) throws -> [HeaderField] {
        guard headers.contains(where: { $0.hasName("From") }) else {
            throw SigningError("message has no From header field; DKIM requires From to be signed")
        }
        return try zip(requests, hasherForRequest).map { request, hasher in
            let bodyHash = hasher.finish()
            let names = Self.signedNames(for: request, in: headers)
            let template = SignatureTemplate(request: request, signedNames: names, bodyHash: bodyHash,
                                             bodyLength: request.includeBodyLength ? hasher.canonicalLength : nil,
                                             timestamp: now)
            let unsigned = template.fieldWithoutSignature()
            let digest = HeaderSelection.headerHash(headers: headers, signedNames: names, blankedSignature: unsigned,
                                                    canonicalization: request.canonicalization.header,
                                                    digest: request.algorithm.digest)
            let signature: [UInt8]
            do { signature = try request.key.sign(digest: digest, algorithm: request.algorithm.digest) } catch {
                throw SigningError("signing with \(request.selector)._domainkey.\(request.domain) failed: \(error)")
            }
            return template.field(signature: signature)
        }
    }

    /// Signs a signature field that the caller laid out (with an empty `b=`), for reproducing published
    /// examples byte for byte. Reads `a=`, `c=` and `h=` from the field itself.
    public static func signature(forBlankedField field: HeaderField, headers: [HeaderField], key: PrivateKey) throws -> [UInt8] {
        let tags: TagList
        do { tags = try TagList(parsing: field.value) } catch { throw SigningError("template: \(error)") }
        guard let a = tags["a"], let algorithm = SigningAlgorithm(rawValue: a),
              let h = tags["h"], let c = Canonicalization(tags["c"] ?? "simple/simple")
        else { throw SigningError("template lacks a valid a=, c= or h=") }
        let names = h.removingFWS.split(separator: ":").map(String.init)
        let digest = HeaderSelection.headerHash(headers: headers, signedNames: names, blankedSignature: field,
                                                canonicalization: c.header, digest: algorithm.digest)
        return try key.sign(digest: digest, algorithm: algorithm.digest)
    }

    /// The `h=` list: the wanted names that occur, each as many times as it occurs, plus one more for
    /// over-signed names. Ordered as the wanted list, so the result is stable.
    static func signedNames(for request: SigningRequest, in headers: [HeaderField]) -> [String] {
        var counts: [String: Int] = [:]
        for field in headers { counts[field.lowercasedName, default: 0] += 1 }
        var wanted = request.headers?.map { $0.lowercased() } ?? SigningRequest.defaultSignedHeadersLowercased
        if !wanted.contains("from") { wanted.insert("from", at: 0) }
        let oversign = request.oversign.isEmpty ? [] : Set(request.oversign.map { $0.lowercased() })
        var seen = Set<String>(minimumCapacity: wanted.count)
        var names: [String] = []
        for key in wanted {
            guard seen.insert(key).inserted else { continue }
            let times = (counts[key] ?? 0) + (oversign.contains(key) ? 1 : 0)
            names.append(contentsOf: repeatElement(key, count: times))
        }
        // Over-signed names not in the wanted list still lock the field out.
        for name in request.oversign {
            let key = name.lowercased()
            guard seen.insert(key).inserted else { continue }
            names.append(contentsOf: repeatElement(key, count: (counts[key] ?? 0) + 1))
        }
        return names
    }
}
