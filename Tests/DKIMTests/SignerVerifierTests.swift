import DKIM
import DKIMCrypto
import XCTest

/// Sign-then-verify through the core, with every RFC 6376 §6.1 check driven to its failure.
final class SignerVerifierTests: XCTestCase {
    static let rsaKey = try! PrivateKey.generate(.rsa, bits: 2048)
    static let edKey = try! PrivateKey.generate(.ed25519)
    let domain = DomainName("example.com")!
    let message = """
    From: Alice <alice@example.com>\r
    To: Bob <bob@example.net>\r
    Subject: Lunch\r
    Date: Thu, 26 Nov 2026 12:00:00 +0000\r
    Message-ID: <1@example.com>\r
    \r
    Shall we  meet at noon?\r

    """

    func record(for key: PrivateKey, extra: String = "") -> String {
        "v=DKIM1; k=\(key.type.rawValue); \(extra)p=" + Base64.encode(try! key.publicKey.dkimKeyData())
    }

    func resolver(_ key: PrivateKey, selector: String = "sel", extra: String = "") -> StaticKeyResolver {
        StaticKeyResolver(["\(selector)._domainkey.example.com": [record(for: key, extra: extra)]])
    }

    func sign(_ text: String, key: PrivateKey, configure: (inout SigningRequest) -> Void = { _ in }) throws -> String {
        let (headers, body) = try parseMessage(Array(text.utf8))
        var request = SigningRequest(domain: domain, selector: Selector("sel")!, key: key)
        configure(&request)
        let signer = try DKIMSigner(requests: [request], now: 1_700_000_000)
        signer.updateBody(body)
        let fields = try signer.finish(headers: headers)
        return fields.map { String(decoding: $0.raw, as: UTF8.self) + "\r\n" }.joined() + text
    }

    func verify(_ text: String, resolver: some DKIMKeyResolver, now: UInt64 = 1_700_000_100) async throws -> [SignatureVerification] {
        let (headers, body) = try parseMessage(Array(text.utf8))
        let verifier = DKIMVerifier(headers: headers, options: .init(now: { now }))
        verifier.updateBody(body)
        return await verifier.finish(resolver: resolver)
    }

    func testRoundTripAllCanonicalizationsAndAlgorithms() async throws {
        for key in [Self.rsaKey, Self.edKey] {
            for header in CanonicalizationAlgorithm.allCases {
                for body in CanonicalizationAlgorithm.allCases {
                    let signed = try sign(message, key: key) { $0.canonicalization = .init(header: header, body: body) }
                    let results = try await verify(signed, resolver: resolver(key))
                    XCTAssertEqual(results.map(\.result), [.pass], "\(key.type) \(header)/\(body)")
                }
            }
        }
    }

    func testTamperingFails() async throws {
        let signed = try sign(message, key: Self.rsaKey) { $0.canonicalization = .simpleSimple }
        let body = signed.replacingOccurrences(of: "at noon", with: "at one")
        do { let actual = try await verify(body, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual, .fail("body hash did not verify")) }
        let header = signed.replacingOccurrences(of: "Subject: Lunch", with: "Subject: Lunch!")
        do { let actual = try await verify(header, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual, .fail("signature did not verify")) }
        let space = signed.replacingOccurrences(of: "Shall we", with: "Shall  we")
        do { let actual = try await verify(space, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual, .fail("body hash did not verify")) }
    }

    func testRelaxedToleratesWhitespaceAndHeaderCase() async throws {
        let signed = try sign(message, key: Self.edKey)
        let changed = signed.replacingOccurrences(of: "Subject: Lunch", with: "SUBJECT:   Lunch  ")
            .replacingOccurrences(of: "meet at", with: "meet \t at")
        do { let actual = try await verify(changed, resolver: resolver(Self.edKey)).first?.result; XCTAssertEqual(actual, .pass) }
    }

    func testOversigningLocksOutAddedHeaders() async throws {
        let plain = try sign(message, key: Self.rsaKey)
        let oversigned = try sign(message, key: Self.rsaKey) { $0.oversign = ["Subject"] }
        XCTAssertTrue(oversigned.contains("subject:subject") || oversigned.contains("subject:\r\n\tsubject"))
        // An extra Subject added at the top: bottom-up selection still finds the original...
        func addSubject(_ text: String) -> String {
            let end = text.range(of: "From: Alice")!.lowerBound
            return String(text[..<end]) + "Subject: Free money\r\n" + String(text[end...])
        }
        do { let actual = try await verify(addSubject(plain), resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual, .pass) }
        // ...but an over-signed signature covered the absence of a second one.
        do { let actual = try await verify(addSubject(oversigned), resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual,
                       .fail("signature did not verify")) }
    }

    func testSignaturesShareBodyHashes() throws {
        let requests = [
            SigningRequest(domain: domain, selector: Selector("a")!, key: Self.rsaKey),
            SigningRequest(domain: domain, selector: Selector("b")!, key: Self.edKey),
            SigningRequest(domain: domain, selector: Selector("c")!, key: Self.edKey, canonicalization: .simpleSimple),
        ]
        XCTAssertEqual(try DKIMSigner(requests: requests, now: 0).bodyHashCount, 2)
    }

    func testMultipleSignaturesAndMaximum() async throws {
        let (headers, body) = try parseMessage(Array(message.utf8))
        let signer = try DKIMSigner(requests: [
            SigningRequest(domain: domain, selector: Selector("sel")!, key: Self.rsaKey),
            SigningRequest(domain: domain, selector: Selector("ed")!, key: Self.edKey),
        ], now: 1_700_000_000)
        signer.updateBody(body)
        let signed = try signer.finish(headers: headers).map { String(decoding: $0.raw, as: UTF8.self) + "\r\n" }.joined() + message
        let both = StaticKeyResolver(["sel._domainkey.example.com": [record(for: Self.rsaKey)],
                                      "ed._domainkey.example.com": [record(for: Self.edKey)]])
        do { let actual = try await verify(signed, resolver: both).map(\.result); XCTAssertEqual(actual, [.pass, .pass]) }
        let parsed = try parseMessage(Array(signed.utf8))
        let limited = DKIMVerifier(headers: parsed.headers, options: .init(now: fixedNow, maximumSignatures: 1))
        XCTAssertEqual(limited.signatureCount, 1)
    }

    func testKeyRecordChecks() async throws {
        let signed = try sign(message, key: Self.rsaKey)
        func result(_ records: [String: [String]]) async throws -> DKIMResult? {
            try await verify(signed, resolver: StaticKeyResolver(records)).first?.result
        }
        let name = "sel._domainkey.example.com"
        let p = Base64.encode(try Self.rsaKey.publicKey.dkimKeyData())
        let noKey = try await result([:])
        XCTAssertEqual(noKey?.keyword, "permerror")
        do { let actual = try await result([name: ["v=DKIM1; k=ed25519; p=" + p]]); XCTAssertEqual(actual, .permError("key type k=ed25519 does not match a=rsa-sha256")) }
        do { let actual = try await result([name: ["v=DKIM1; h=sha1; p=" + p]]); XCTAssertEqual(actual, .permError("key record h=sha1 excludes sha256")) }
        do { let actual = try await result([name: ["v=DKIM1; s=other; p=" + p]]); XCTAssertEqual(actual, .permError("key record s= does not include email")) }
        do { let actual = try await result([name: ["v=DKIM1; p="]]); XCTAssertEqual(actual, .permError("key revoked (empty p=)")) }
        do { let actual = try await result([name: ["v=DKIM1; k=rsa; t=y:s; p=" + p]]); XCTAssertEqual(actual, .pass) }
        do { let actual = try await result([name: ["v=DKIM1; p=" + Fixtures.rsa512SubjectPublicKeyInfoBase64]]); XCTAssertEqual(actual,
                       .policy("RSA key of 512 bits is below the minimum of 1024")) }
        do { let actual = try await result([name: ["v=DKIM2; p=" + p]])?.keyword; XCTAssertEqual(actual, "permerror") }
        do { let actual = try await result([name: ["garbage", "v=DKIM1; p=" + p]]); XCTAssertEqual(actual, .pass) }
        let testing = try await verify(signed, resolver: StaticKeyResolver([name: ["v=DKIM1; t=y; p=" + p]]))
        XCTAssertEqual(testing.first?.keyTesting, true)
    }

    func testResolverFailuresMapToResults() async throws {
        struct Failing: DKIMKeyResolver {
            let answer: TXTLookupResult
            func lookupTXT(_ name: String) async -> TXTLookupResult { answer }
        }
        let signed = try sign(message, key: Self.rsaKey)
        do { let actual = try await verify(signed, resolver: Failing(answer: .temporaryFailure("timeout"))).first?.result; XCTAssertEqual(actual,
                       .tempError("key lookup failed: timeout")) }
        do { let actual = try await verify(signed, resolver: Failing(answer: .notFound("NXDOMAIN"))).first?.result; XCTAssertEqual(actual,
                       .permError("no key for signature: NXDOMAIN")) }
        do { let actual = try await verify(signed, resolver: Failing(answer: .permanentFailure("bogus"))).first?.result; XCTAssertEqual(actual,
                       .permError("key lookup failed: bogus")) }
    }

    func testStrictKeyRejectsSubdomainIdentity() async throws {
        let signed = try sign(message, key: Self.rsaKey) { $0.identity = "alice@mail.example.com" }
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual, .pass) }
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey, extra: "t=s; ")).first?.result; XCTAssertEqual(actual,
                       .permError("key record t=s forbids i= in a subdomain of d=")) }
    }

    func testTimeChecks() async throws {
        let signed = try sign(message, key: Self.rsaKey) { $0.expiresAfter = 3600 }
        XCTAssertTrue(signed.contains("x=1700003600;"))
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey), now: 1_700_003_000).first?.result; XCTAssertEqual(actual, .pass) }
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey), now: 1_700_003_601).first?.result; XCTAssertEqual(actual,
                       .permError("signature expired (x=1700003600)")) }
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey), now: 1_699_999_000).first?.result; XCTAssertEqual(actual,
                       .permError("signature timestamp t=1700000000 is in the future")) }
        // Within the allowed drift is fine.
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey), now: 1_699_999_800).first?.result; XCTAssertEqual(actual, .pass) }
    }

    func testBodyLengthLimit() async throws {
        let signed = try sign(message, key: Self.rsaKey) { $0.includeBodyLength = true }
        XCTAssertTrue(signed.contains("l=24;"), signed)
        let appended = signed + "P.S. click here\r\n"
        let result = try await verify(appended, resolver: resolver(Self.rsaKey)).first
        XCTAssertEqual(result?.result, .pass)
        XCTAssertEqual(result?.hasUnsignedBodyContent, true)
        let truncated = signed.replacingOccurrences(of: "Shall we  meet at noon?\r\n", with: "Shall\r\n")
        do { let actual = try await verify(truncated, resolver: resolver(Self.rsaKey)).first?.result.keyword; XCTAssertEqual(actual, "permerror") }
    }

    func testSHA1IsVerifiedButNotAccepted() async throws {
        let (headers, body) = try parseMessage(Array(message.utf8))
        let bh = Base64.encode(bodyHash(body, .simple, digest: .sha1))
        let template = HeaderField(raw: Array("DKIM-Signature: v=1; a=rsa-sha1; c=simple/simple; d=example.com; s=sel; h=from:to:subject; bh=\(bh); b=".utf8))
        let signature = try DKIMSigner.signature(forBlankedField: template, headers: headers, key: Self.rsaKey)
        let signed = String(decoding: template.raw, as: UTF8.self) + Base64.encode(signature) + "\r\n" + message
        do { let actual = try await verify(signed, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual,
                       .policy("rsa-sha1 signature verified but is not acceptable (RFC 8301)")) }
        XCTAssertThrowsError(try DKIMSigner(requests: [SigningRequest(domain: domain, selector: Selector("s")!, key: Self.rsaKey, algorithm: .rsaSHA1)], now: 0))
    }

    func testSignatureFieldChecks() async throws {
        let signed = try sign(message, key: Self.rsaKey)
        func result(replacing old: String, with new: String) async throws -> DKIMResult? {
            XCTAssertTrue(signed.contains(old), old)
            return try await verify(signed.replacingOccurrences(of: old, with: new), resolver: resolver(Self.rsaKey)).first?.result
        }
        do { let actual = try await result(replacing: "v=1;", with: "v=2;"); XCTAssertEqual(actual, .permError("unsupported version v=2")) }
        do { let actual = try await result(replacing: "d=example.com;", with: "d=example.com; i=@evil.com;"); XCTAssertEqual(actual,
                       .permError("i= domain is not d= or a subdomain of it")) }
        do { let actual = try await result(replacing: "s=sel;", with: ""); XCTAssertEqual(actual, .permError("missing required tag s=")) }
        do { let actual = try await result(replacing: "a=rsa-sha256;", with: "a=rsa-md5;"); XCTAssertEqual(actual, .permError("unsupported algorithm a=rsa-md5")) }
        do { let actual = try await result(replacing: "v=1;", with: "v=1; v=1;"); XCTAssertEqual(actual, .permError("malformed tag list: duplicate tag v=")) }
        // h= without From is rejected before any cryptography.
        let (headers, body) = try parseMessage(Array(message.utf8))
        let request = SigningRequest(domain: domain, selector: Selector("sel")!, key: Self.rsaKey, headers: ["To", "Subject"])
        let signer = try DKIMSigner(requests: [request], now: 1_700_000_000)
        signer.updateBody(body)
        let field = try signer.finish(headers: headers)[0]
        XCTAssertTrue(String(decoding: field.raw, as: UTF8.self).contains("h=from:"), "From is always signed")
        let template = HeaderField(raw: Array("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=\(Base64.encode(bodyHash(body, .simple))); b=".utf8))
        let sig = try DKIMSigner.signature(forBlankedField: template, headers: headers, key: Self.rsaKey)
        let noFrom = String(decoding: template.raw, as: UTF8.self) + Base64.encode(sig) + "\r\n" + message
        do { let actual = try await verify(noFrom, resolver: resolver(Self.rsaKey)).first?.result; XCTAssertEqual(actual,
                       .permError("From is not signed (h= lacks from)")) }
    }

    func testNoSignatureGivesNone() async throws {
        let results = try await verify(message, resolver: resolver(Self.rsaKey))
        XCTAssertTrue(results.isEmpty)
        XCTAssertEqual(AuthenticationResults.value(authservID: "mx", results: results), "mx; dkim=none")
    }

    func testSignerRequiresFrom() throws {
        let (headers, body) = try parseMessage(Array("To: x@example.com\r\n\r\nhi\r\n".utf8))
        let signer = try DKIMSigner(requests: [SigningRequest(domain: domain, selector: Selector("s")!, key: Self.edKey)], now: 0)
        signer.updateBody(body)
        XCTAssertThrowsError(try signer.finish(headers: headers))
    }

    func testSignatureFieldIsFoldedWithinWidth() throws {
        let signed = try sign(message, key: Self.rsaKey)
        let field = signed.components(separatedBy: "\r\nFrom:")[0]
        for line in field.components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.replacingOccurrences(of: "\t", with: "        ").count, 78, line)
        }
    }
}
