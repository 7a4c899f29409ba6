import DKIM
import DKIMCrypto
import DKIMMilter
import Foundation
import MilterProtocol
import MilterTestKit
import XCTest

/// Well-formed protocol, hostile or odd messages.
final class HostileMessageTests: XCTestCase {
    // MARK: size

    func testHundredThousandHeaderFieldsAreGivenUpWithBoundedMemory() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open()
        let rssBefore = Reliability.residentKiB()
        _ = try client.mailFrom("<john@example.com>")
        for header in TestMessage.plain.headers { _ = try client.header(header) }
        // 100,000 fields in batches of 10,000 frames per write.
        for batch in 0..<10 {
            var bytes: [UInt8] = []
            for n in 0..<10_000 {
                bytes += MilterCommand.header(name: Array("X-Flood".utf8), value: Array(" field \(batch)-\(n)".utf8)).encoded
            }
            try client.sendRaw(bytes)
        }
        _ = try client.endOfHeaders()
        _ = try client.body(Array(TestMessage.plain.body.utf8))
        let responses = try client.endOfMessage()
        XCTAssertEqual(responses, [.continue], "given up: accepted with no change")
        let growthMB = (Reliability.residentKiB() - rssBefore) / 1024
        XCTAssertLessThan(growthMB, 200, "RSS grew by \(growthMB) MB")
        // The same connection goes on with the next message.
        XCTAssertEqual(Reliability.signatures(try client.send(.plain)).count, 1)
        try client.quit()
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testOneMegabyteHeaderValue() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open()
        let rssBefore = Reliability.residentKiB()
        var message = TestMessage.plain
        message.headers.append("X-Huge: " + String(repeating: "abcdefghij", count: 100_000))
        let responses = try client.send(message)
        // MaximumHeaders (header bytes, default 65536 as in OpenDKIM) is exceeded: accepted unchanged.
        XCTAssertEqual(responses, [.continue], "\(responses.count) responses")
        XCTAssertLessThan((Reliability.residentKiB() - rssBefore) / 1024, 200)
        // A 2 MiB header value does not even fit in a milter packet: that connection is closed.
        _ = try client.mailFrom("<john@example.com>")
        // (The server may close while the packet is still being written: a reset here is expected.)
        try? client.sendRaw(MilterCommand.header(name: Array("X-Huger".utf8),
                                                 value: [UInt8](repeating: UInt8(ascii: "a"), count: 2 << 20)).encoded)
        XCTAssertTrue(Reliability.isClosed(client))
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testMaximumHeadersIsABytesLimitAndZeroMeansNoLimit() async throws {
        let harness = try await MilterHarness(extraConfig: ["MaximumHeaders 0"])
        var message = TestMessage.plain
        message.headers.append("X-Big: " + String(repeating: "abcdefghij", count: 10_000))
        try await Reliability.assertStillSigns(harness, message)
        try await harness.shutdown()

        let small = try await MilterHarness(extraConfig: ["MaximumHeaders 100"])
        let client = try small.client(version: 6)
        try client.open()
        XCTAssertEqual(try client.send(.plain), [.continue], "the plain message's header is larger than 100 bytes")
        try await small.shutdown()
    }

    func testHundredMegabyteMessageStreamedIsSignedAndVerifies() async throws {
        let harness = try await MilterHarness(canonicalization: "relaxed/simple")
        let client = try harness.client(version: 6)
        try client.open()
        let line = Array(String(repeating: "0123456789abcdef", count: 4).utf8) + [13, 10]  // 66 bytes
        let chunkSize = 65535
        let total = 100 << 20
        // One chunk-sized pattern, sent again and again (a chunk starts at line offset `offset % 66`).
        let pattern = (0..<(chunkSize + line.count)).map { line[$0 % line.count] }
        func chunk(at offset: Int) -> ArraySlice<UInt8> {
            let start = offset % line.count
            return pattern[start..<(start + min(chunkSize, total - offset))]
        }
        var message = TestMessage.plain
        message.body = ""
        _ = try client.mailFrom("<john@example.com>")
        for header in message.headers { _ = try client.header(header) }
        _ = try client.endOfHeaders()
        let start = Date()
        var offset = 0
        var batch: [UInt8] = []
        while offset < total {
            let piece = chunk(at: offset)
            batch += MilterCommand.body(Array(piece)).encoded
            offset += piece.count
            if batch.count > 1 << 20 || offset >= total {
                try client.sendRaw(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        let responses = try client.endOfMessage()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(Reliability.signatures(responses).count, 1, "\(responses)")
        XCTAssertEqual(responses.last, .continue)
        print("100 MB streamed and signed in \(String(format: "%.2f", elapsed)) s")

        // Verify with the core, feeding the same body.
        let headerText = message.delivered(applying: responses, leadingSpace: true)
        var parser = MessageParser()
        var headers: [HeaderField] = []
        try Array(headerText.utf8).withUnsafeBytes { raw in
            try parser.feed(raw) { event in if case .headers(let h) = event { headers = h } }
        }
        let verifier = DKIMVerifier(headers: headers, options: .init(now: { UInt64(Date().timeIntervalSince1970) }))
        offset = 0
        while offset < total {
            let piece = chunk(at: offset)
            verifier.updateBody(piece)
            offset += piece.count
        }
        let results = await verifier.finish(resolver: Reliability.resolver(harness))
        XCTAssertEqual(results.map(\.result), [.pass])
        try client.quit()
        try await harness.shutdown()
    }

    // MARK: odd headers

    func testSeveralFromFieldsAreNotSigned() async throws {
        let harness = try await MilterHarness()
        var message = TestMessage.plain
        message.headers.insert("From: Mallory <mallory@example.com>", at: 1)
        let client = try harness.client(version: 6)
        try client.open()
        XCTAssertEqual(try client.send(message), [.continue], "RFC 6376 §8.15: not signed, passed unchanged")
        try client.quit()
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testSeveralFromFieldsOnTheVerifyingSide() async throws {
        let outsideKey = try PrivateKey.generate(.ed25519)
        let record = "v=DKIM1; k=ed25519; p=" + Base64.encode(try outsideKey.publicKey.dkimKeyData())
        let harness = try await MilterHarness(resolver: StaticKeyResolver(["s1._domainkey.outside.test": [record]]))
        // Signed by outside.test with one From; a second From is added on the way (not covered by h=).
        var message = TestMessage.plain
        message.headers[0] = "From: Partner <partner@outside.test>"
        let signer = try DKIMSigner(requests: [SigningRequest(domain: DomainName("outside.test")!, selector: Selector("s1")!, key: outsideKey)],
                                    now: UInt64(Date().timeIntervalSince1970))
        signer.updateBody(Array(message.body.utf8))
        let field = try signer.finish(headers: message.headers.map { HeaderField(raw: Array($0.utf8)) })[0]
        message.headers.insert(String(decoding: field.raw, as: UTF8.self), at: 0)
        message.headers.insert("From: Your Bank <security@bank.test>", at: 1)

        let client = try harness.client(version: 6)
        try client.open(clientAddress: "203.0.113.5", hostname: "mail.outside.test")
        let responses = try client.send(message)
        XCTAssertEqual(responses.last, .continue)
        let results = Reliability.authenticationResults(responses)
        XCTAssertEqual(results.count, 1, "\(responses)")
        // What matters: the added From must not be vouched for by a dkim=pass.
        XCTAssertFalse(results.first?.contains("dkim=pass") ?? true,
                       "a message with two From fields must not get dkim=pass: \(results)")
        XCTAssertTrue(results.first?.contains("dkim=policy") ?? false, "\(results)")
        try client.quit()
        try await harness.shutdown()
    }

    func testNoFromIsNotSigned() async throws {
        let harness = try await MilterHarness()
        var message = TestMessage.plain
        message.headers.removeFirst()
        let client = try harness.client(version: 6)
        try client.open()
        XCTAssertEqual(try client.send(message), [.continue])
        try client.quit()
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testFromWithoutDomainIsNotSigned() async throws {
        let harness = try await MilterHarness()
        let client = try harness.client(version: 6)
        try client.open()
        for from in ["From: john", "From: John Doe <john>", "From: <>", "From: john@", "From:"] {
            var message = TestMessage.plain
            message.headers[0] = from
            XCTAssertEqual(try client.send(message), [.continue], from)
        }
        try client.quit()
        try await Reliability.assertStillSigns(harness)
        try await harness.shutdown()
    }

    func testEightBitHeaderIsSignedAndVerifies() async throws {
        let harness = try await MilterHarness()
        var message = TestMessage.plain
        message.headers[2] = "Subject: Grüße aus Köln – 日本語"
        message.headers.append("X-8bit: caf\u{E9} na\u{EF}ve")
        try await Reliability.assertStillSigns(harness, message)
        try await harness.shutdown()
    }

    func testHeaderLineLongerThan998BytesIsSignedAndVerifies() async throws {
        for canonicalization in ["relaxed/relaxed", "simple/simple"] {
            let harness = try await MilterHarness(canonicalization: canonicalization)
            var message = TestMessage.plain
            message.headers[2] = "Subject: " + String(repeating: "long subject ", count: 160)  // about 2,090 bytes, one line
            message.headers.append("Cc: " + (0..<60).map { "user\($0)@example.net" }.joined(separator: ","))
            XCTAssertGreaterThan(message.headers[2].utf8.count, 998)
            try await Reliability.assertStillSigns(harness, message)
            try await harness.shutdown()
        }
    }
}
