import DKIM
import DKIMCrypto
import DKIMMilter
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// Drives the real server over TCP with a Postfix-like client, through protocol versions 2 and 6.
final class MilterSigningTests: XCTestCase {
    func signatureField(_ responses: [MilterResponse]) -> (index: UInt32, value: String)? {
        for case .insertHeader(let index, "DKIM-Signature", let value) in responses { return (index, value) }
        return nil
    }

    func testSignsUnderProtocol2And6WithSimpleAndRelaxed() async throws {
        for canonicalization in ["simple/simple", "relaxed/relaxed"] {
            let harness = try await MilterHarness(canonicalization: canonicalization)
            for version: UInt32 in [2, 6] {
                let client = try harness.client(version: version)
                let leadingSpace = client.negotiated!.protocolOptions.contains(.headerLeadingSpace)
                XCTAssertEqual(leadingSpace, version == 6, "HDR_LEADSPC is taken when offered")
                XCTAssertLessThanOrEqual(client.negotiated!.version, version)
                try client.open()
                let responses = try client.send(.plain)
                XCTAssertEqual(responses.count, 2, "\(responses)")
                XCTAssertEqual(responses.last, .continue)
                let field = try XCTUnwrap(signatureField(responses), "\(responses)")
                XCTAssertEqual(field.index, 0, "inserted at the top, as OpenDKIM does")
                let expectedStart = (leadingSpace ? " " : "") + "v=1; a=rsa-sha256; c=\(canonicalization); d=example.com; s=mail;\n\tt="
                XCTAssertTrue(field.value.hasPrefix(expectedStart), field.value)
                XCTAssertFalse(field.value.contains("\r"), "folded with LF; the MTA writes its own line ends")

                let delivered = TestMessage.plain.delivered(applying: responses, leadingSpace: leadingSpace)
                let resolver = StaticKeyResolver(["mail._domainkey.example.com": [harness.record(harness.rsaKey)]])
                let results = try await verifyWithCore(delivered, resolver: resolver)
                XCTAssertEqual(results.map(\.result), [.pass], "v\(version) \(canonicalization)\n\(delivered)")
                if let dkimpy = try verifyWithDKIMPy(delivered, records: ["mail._domainkey.example.com": harness.record(harness.rsaKey)]) {
                    XCTAssertTrue(dkimpy, "dkimpy rejects v\(version) \(canonicalization):\n\(delivered)")
                }
                try client.quit()
            }
            try await harness.shutdown()
        }
    }

    func testSeveralMessagesAbortAndQuitNewConnection() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open()
        XCTAssertNotNil(signatureField(try client.send(.plain)))
        // A message abandoned half-way through its body.
        _ = try client.mailFrom("<john@example.com>")
        for header in TestMessage.plain.headers { _ = try client.header(header) }
        _ = try client.endOfHeaders()
        _ = try client.body(Array("partial".utf8))
        try client.abort()
        // The next message on the same connection is whole and signed correctly.
        let responses = try client.send(.plain)
        let delivered = TestMessage.plain.delivered(applying: responses, leadingSpace: true)
        let resolver = StaticKeyResolver(["mail._domainkey.example.com": [harness.record(harness.rsaKey)]])
        let verified = try await verifyWithCore(delivered, resolver: resolver)
        XCTAssertEqual(verified.map(\.result), [.pass])
        // QUIT_NC: a new SMTP session on the same milter connection, now from an outside address.
        try client.quitNewConnection()
        try client.open(clientAddress: "203.0.113.9", hostname: "mail.outside.test")
        let outside = try client.send(.plain)
        XCTAssertNil(signatureField(outside), "mail from outside is not signed: \(outside)")
        try client.quit()
        try await harness.shutdown()
    }

    func testAuthenticatedSubmissionFromOutsideIsSigned() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open(clientAddress: "198.51.100.7", hostname: "dsl.customer.test")
        let responses = try client.send(.plain, macros: [MilterMacro(name: "{auth_type}", value: "PLAIN"),
                                                         MilterMacro(name: "{auth_authen}", value: "john")])
        XCTAssertNotNil(signatureField(responses), "\(responses)")
        try await harness.shutdown()
    }

    func testVersion2MTAThatIsNotPostfixGetsAddHeader() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 2)
        _ = try client.connect(hostname: "localhost", address: .inet("127.0.0.1", port: 40000),
                               macros: [MilterMacro(name: "j", value: "mx.example.net"), MilterMacro(name: "v", value: "8.13.8")])
        let responses = try client.send(.plain)
        guard case .addHeader("DKIM-Signature", _) = responses.first else { return XCTFail("\(responses)") }
        let delivered = TestMessage.plain.delivered(applying: responses, leadingSpace: false)
        let resolver = StaticKeyResolver(["mail._domainkey.example.com": [harness.record(harness.rsaKey)]])
        let verified = try await verifyWithCore(delivered, resolver: resolver)
        XCTAssertEqual(verified.map(\.result), [.pass])
        try await harness.shutdown()
    }

    func testDomainWithoutKeyIsNotSigned() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 2)
        try client.open()
        var message = TestMessage.plain
        message.headers[0] = "From: Someone <someone@nokey.test>"
        let responses = try client.send(message)
        // Ours but no key: not signed. As OpenDKIM in Mode sv, the message is verified instead; it has no
        // signature and AlwaysAddARHeader is off, so nothing is added.
        XCTAssertEqual(responses, [.continue], "\(responses)")
        try await harness.shutdown()
    }

    func testMultipleSignaturesRSAAndEd25519() async throws {
        let harness = try await MilterHarness(extraConfig: ["MultipleSignatures yes"],
                                              signingTable: "*@example.com mail._domainkey.example.com\n*@example.com ed._domainkey.example.com\n")
        let client = try harness.client(version: 6)
        try client.open()
        let responses = try client.send(.plain)
        let fields = responses.compactMap { response -> String? in
            if case .insertHeader(_, "DKIM-Signature", let value) = response { return value }
            return nil
        }
        XCTAssertEqual(fields.count, 2, "\(responses)")
        XCTAssertTrue(fields.contains { $0.contains("a=ed25519-sha256") })
        XCTAssertTrue(fields.contains { $0.contains("a=rsa-sha256") })
        let delivered = TestMessage.plain.delivered(applying: responses, leadingSpace: true)
        let resolver = StaticKeyResolver(["mail._domainkey.example.com": [harness.record(harness.rsaKey)],
                                          "ed._domainkey.example.com": [harness.record(harness.edKey)]])
        let verified = try await verifyWithCore(delivered, resolver: resolver)
        XCTAssertEqual(verified.map(\.result), [.pass, .pass])
        try await harness.shutdown()
    }
}
