import DKIM
import DKIMCrypto
import XCTest

/// RFC 8463 Appendix A: the example message with an Ed25519 and an RSA signature.
final class RFC8463Tests: XCTestCase {
    func resolver() throws -> StaticKeyResolver {
        let text = String(decoding: try vector("rfc8463-keys.txt"), as: UTF8.self)
        var records: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            records[String(parts[0])] = [String(parts[1])]
        }
        return StaticKeyResolver(records)
    }

    func testBothSignaturesVerify() async throws {
        let (headers, body) = try parseMessage(try vector("rfc8463-signed.eml"))
        let verifier = DKIMVerifier(headers: headers, options: .init(now: { 1_528_637_909 + 86_400 }))
        verifier.updateBody(body)
        let results = await verifier.finish(resolver: try resolver())
        XCTAssertEqual(results.map(\.result), [.pass, .pass])
        XCTAssertEqual(results.map(\.algorithm), ["ed25519-sha256", "rsa-sha256"])
        XCTAssertEqual(results.map(\.selector), ["brisbane", "test"])
        XCTAssertEqual(results[0].signaturePrefix, "/gCrinpc")
        let ar = AuthenticationResults.value(authservID: "mx.example.net", results: results)
        XCTAssertEqual(ar, "mx.example.net; dkim=pass header.d=football.example.com header.i=@football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=\"/gCrinpc\"; dkim=pass header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf")
    }

    func testBodyHashMatchesPublishedValue() throws {
        let (_, body) = try parseMessage(try vector("rfc8463-signed.eml"))
        XCTAssertEqual(Base64.encode(bodyHash(body, .relaxed)), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
    }

    func testSignerReproducesEd25519SignatureByteForByte() throws {
        let (headers, _) = try parseMessage(try vector("rfc8463-signed.eml"))
        let published = headers[0]
        let seed = try XCTUnwrap(Base64.decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="))
        let key = try PrivateKey(ed25519Seed: seed)
        XCTAssertEqual(Base64.encode(try key.publicKey.dkimKeyData()), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        // The published field with its b= value removed is the template the signer hashed.
        let text = String(decoding: published.raw, as: UTF8.self)
        let bStart = try XCTUnwrap(text.range(of: " b="))
        let template = HeaderField(raw: Array((text[..<bStart.upperBound]).utf8))
        let signature = try DKIMSigner.signature(forBlankedField: template, headers: Array(headers.dropFirst(2)), key: key)
        XCTAssertEqual(Base64.encode(signature),
                       "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==")
    }

    func testTamperedMessageFails() async throws {
        var text = String(decoding: try vector("rfc8463-signed.eml"), as: UTF8.self)
        text = text.replacingOccurrences(of: "Is dinner ready?", with: "Is dinner ready!")
        let (headers, body) = try parseMessage(Array(text.utf8))
        let verifier = DKIMVerifier(headers: headers, options: .init(now: { 1_528_637_909 }))
        verifier.updateBody(body)
        let results = await verifier.finish(resolver: try resolver())
        XCTAssertEqual(results.map(\.result), [.fail("signature did not verify"), .fail("signature did not verify")])
    }
}
