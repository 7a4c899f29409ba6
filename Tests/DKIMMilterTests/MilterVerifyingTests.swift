import DKIM
import DKIMCrypto
import DKIMMilter
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

final class MilterVerifyingTests: XCTestCase {
    /// A message signed elsewhere, by outside.test, with the core signer.
    func signedElsewhere(key: PrivateKey, extraHeaders: [String] = []) throws -> TestMessage {
        var message = TestMessage.plain
        message.headers[0] = "From: Partner <partner@outside.test>"
        message.headers += extraHeaders
        let headers = message.headers.map { HeaderField(raw: Array($0.utf8)) }
        let signer = try DKIMSigner(requests: [SigningRequest(domain: DomainName("outside.test")!, selector: Selector("s1")!, key: key)],
                                    now: UInt64(Date().timeIntervalSince1970))
        signer.updateBody(Array(message.body.utf8))
        let field = try signer.finish(headers: headers)[0]
        message.headers.insert(String(decoding: field.raw, as: UTF8.self), at: 0)
        return message
    }

    func testOutsideMailGetsAuthenticationResults() async throws {
        let outsideKey = try PrivateKey.generate(.ed25519)
        let record = "v=DKIM1; k=ed25519; p=" + Base64.encode(try outsideKey.publicKey.dkimKeyData())
        let harness = try await MilterHarness(resolver: StaticKeyResolver(["s1._domainkey.outside.test": [record]]))
        let client = try harness.client(version: 6)
        try client.open(clientAddress: "203.0.113.5", hostname: "mail.outside.test")

        let good = try client.send(try signedElsewhere(key: outsideKey))
        guard case .insertHeader(0, "Authentication-Results", let value) = good.first else { return XCTFail("\(good)") }
        XCTAssertTrue(value.hasPrefix(" mx.example.net;\n\tdkim=pass header.d=outside.test header.i=@outside.test header.s=s1 header.a=ed25519-sha256 header.b="), value)
        XCTAssertEqual(good.last, .continue)

        var tampered = try signedElsewhere(key: outsideKey)
        tampered.body = tampered.body.replacingOccurrences(of: "noon", with: "one")
        let bad = try client.send(tampered)
        guard case .insertHeader(0, "Authentication-Results", let badValue) = bad.first else { return XCTFail("\(bad)") }
        XCTAssertTrue(badValue.contains("dkim=fail reason=\"body hash did not verify\""), badValue)
        try await harness.shutdown()
    }

    func testForgedAuthenticationResultsAreRemovedHighestFirst() async throws {
        let outsideKey = try PrivateKey.generate(.ed25519)
        let record = "v=DKIM1; k=ed25519; p=" + Base64.encode(try outsideKey.publicKey.dkimKeyData())
        let harness = try await MilterHarness(resolver: StaticKeyResolver(["s1._domainkey.outside.test": [record]]))
        let client = try harness.client(version: 2)
        try client.open(clientAddress: "203.0.113.5", hostname: "mail.outside.test")
        let message = try signedElsewhere(key: outsideKey, extraHeaders: [
            "Authentication-Results: mx.example.net; dkim=pass header.d=bank.test",
            "Authentication-Results: other.example; spf=pass",
            "Authentication-Results: MX.EXAMPLE.NET; dkim=pass header.d=paypal.test",
        ])
        let responses = try client.send(message)
        XCTAssertEqual(Array(responses.prefix(2)), [
            .changeHeader(index: 3, name: "Authentication-Results", value: ""),
            .changeHeader(index: 1, name: "Authentication-Results", value: ""),
        ], "\(responses)")
        let delivered = message.delivered(applying: responses, leadingSpace: false)
        XCTAssertFalse(delivered.contains("bank.test"))
        XCTAssertFalse(delivered.contains("paypal.test"))
        XCTAssertTrue(delivered.contains("Authentication-Results: other.example; spf=pass"))
        XCTAssertTrue(delivered.contains("Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=outside.test"), delivered)
        try await harness.shutdown()
    }

    func testBrokenPacketClosesOnlyThatConnection() async throws {
        let harness = try await MilterHarness()
        let bad = try MilterTestClient(host: "127.0.0.1", port: harness.port)
        try bad.sendRaw([0x7F, 0xFF, 0xFF, 0xFF, UInt8(ascii: "O")])
        XCTAssertTrue(bad.isClosedByPeer(), "an absurd length closes the connection")
        // Other connections are served as before.
        let good = try harness.client(version: 6)
        try good.open()
        XCTAssertEqual(try good.send(.plain).last, .continue)
        try await harness.shutdown()
    }
}
