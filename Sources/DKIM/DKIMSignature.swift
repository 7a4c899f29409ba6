/// A parsed DKIM-Signature header field (RFC 6376 §3.5). Typed values only; the raw field is kept because
/// the verifier hashes it with `b=` blanked.
public struct DKIMSignature: Sendable, Hashable {
    public var algorithm: SigningAlgorithm
    /// `b=`, decoded.
    public var signature: [UInt8]
    /// `b=` as written, folding removed (for `header.b=` in Authentication-Results).
    public var signatureBase64: String
    /// `bh=`, decoded.
    public var bodyHash: [UInt8]
    public var canonicalization: Canonicalization
    public var domain: DomainName
    /// `h=`, in order, as written (case preserved).
    public var signedHeaders: [String]
    /// `i=`; defaults to `@` + `d=`.
    public var identity: String
    /// Whether `i=` was present.
    public var identityGiven: Bool
    public var bodyLength: UInt64?
    public var selector: Selector
    public var timestamp: UInt64?
    public var expiration: UInt64?
    /// Tags this version does not interpret, in order (RFC 6376 §3.2: unknown tags are ignored).
    public var otherTags: [TagList.Tag]

    /// The domain part of `i=`.
    public var identityDomain: String {
        guard let at = identity.lastIndex(of: "@") else { return identity.lowercased() }
        return identity[identity.index(after: at)...].lowercased()
    }
}

/// Why a DKIM-Signature was rejected before any cryptography (a PERMFAIL, RFC 6376 §6.1.1).
public struct SignatureParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    /// Whatever could be read of `d=`, `s=` and `a=`, for reporting.
    public var domain: String?
    public var selector: String?
    public var algorithm: String?
    init(_ description: String, tags: TagList? = nil) {
        self.description = description
        self.domain = tags?["d"]
        self.selector = tags?["s"]
        self.algorithm = tags?["a"]
    }
}

extension DKIMSignature {
    /// Parses a header field named DKIM-Signature, checking everything RFC 6376 §6.1.1 checks without a key
    /// or a clock. `i=` outside `d=`, a missing From in `h=`, an unknown `v=` or `a=` are all errors.
    public init(parsing field: HeaderField) throws(SignatureParseError) {
        let tags: TagList
        do { tags = try TagList(parsing: field.value) } catch { throw SignatureParseError("malformed tag list: \(error)") }
        func fail(_ why: String) -> SignatureParseError { SignatureParseError(why, tags: tags) }

        for required in ["v", "a", "b", "bh", "d", "h", "s"] where tags[required] == nil {
            throw fail("missing required tag \(required)=")
        }
        guard tags["v"] == "1" else { throw fail("unsupported version v=\(tags["v"] ?? "")") }
        guard let algorithm = SigningAlgorithm(rawValue: tags["a"]!.lowercased()) else {
            throw fail("unsupported algorithm a=\(tags["a"]!)")
        }
        let b = tags["b"]!.removingFWS
        guard !b.isEmpty, let signature = Base64.decode(b) else { throw fail("b= is not valid base64") }
        guard let bodyHash = Base64.decode(tags["bh"]!.removingFWS), !bodyHash.isEmpty else {
            throw fail("bh= is not valid base64")
        }
        guard bodyHash.count == algorithm.digest.length else {
            throw fail("bh= has \(bodyHash.count) bytes, \(algorithm.digest.rawValue) gives \(algorithm.digest.length)")
        }
        var canonicalization = Canonicalization.simpleSimple
        if let c = tags["c"] {
            guard let parsed = Canonicalization(c.removingFWS) else { throw fail("unknown canonicalization c=\(c)") }
            canonicalization = parsed
        }
        guard let domain = DomainName(tags["d"]!) else { throw fail("invalid domain d=\(tags["d"]!)") }
        guard let selector = Selector(tags["s"]!.removingFWS) else { throw fail("invalid selector s=\(tags["s"]!)") }
        let signedHeaders = tags["h"]!.removingFWS.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard !signedHeaders.contains(where: \.isEmpty) else { throw fail("empty header name in h=") }
        guard signedHeaders.contains(where: { $0.lowercased() == "from" }) else { throw fail("From is not signed (h= lacks from)") }

        var identity = "@" + domain.value
        var identityGiven = false
        if let i = tags["i"] {
            guard let at = i.lastIndex(of: "@") else { throw fail("i= has no @") }
            let identityDomain = DomainName(String(i[i.index(after: at)...]))
            guard let identityDomain, identityDomain.isSubdomain(of: domain) else {
                throw fail("i= domain is not d= or a subdomain of it")
            }
            identity = i
            identityGiven = true
        }
        if let q = tags["q"] {
            let methods = q.removingFWS.lowercased().split(separator: ":")
            guard methods.contains(where: { $0 == "dns/txt" || $0 == "dns" }) else { throw fail("no supported query method in q=\(q)") }
        }
        func number(_ name: String) throws(SignatureParseError) -> UInt64? {
            guard let text = tags[name] else { return nil }
            guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(text) else {
                throw fail("\(name)= is not a number")
            }
            return value
        }
        let bodyLength = try number("l")
        let timestamp = try number("t")
        let expiration = try number("x")
        if let timestamp, let expiration, expiration <= timestamp {
            throw fail("x= is not after t=")
        }
        let known: Set<String> = ["v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x"]
        self.init(algorithm: algorithm, signature: signature, signatureBase64: b, bodyHash: bodyHash,
                  canonicalization: canonicalization, domain: domain, signedHeaders: signedHeaders,
                  identity: identity, identityGiven: identityGiven, bodyLength: bodyLength, selector: selector,
                  timestamp: timestamp, expiration: expiration,
                  otherTags: tags.tags.filter { !known.contains($0.name) })
    }

    /// The signature field with the `b=` value removed, as hashed (RFC 6376 §3.7).
    static func blankingSignatureValue(of field: HeaderField) -> HeaderField? {
        guard let colon = field.colonIndex,
              let tags = try? TagList(parsing: field.value),
              let b = tags.tags.first(where: { $0.name == "b" })
        else { return nil }
        // valueRange indexes into field.value, whose indices are those of raw.
        _ = colon
        var raw = field.raw
        raw.removeSubrange(b.valueRange)
        return HeaderField(raw: raw)
    }
}
