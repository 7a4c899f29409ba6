import DKIM
import DKIMConfig
import DKIMCrypto
import DKIMMilter
import Foundation
import MetricsTestKit
import MilterProtocol
import MilterTestKit
import XCTest

/// Each message is counted once, under both the protocol 2 flow (the MTA waits at every step) and the
/// protocol 6 flow (no reply before the end of the message), whatever way it ends.
final class MilterMetricsTests: XCTestCase {
    private func messages(_ metrics: TestMetrics, _ decision: String, _ result: String) -> Int64 {
        metrics.counterTotal(label: MilterMetrics.Name.messages, dimensions: [("decision", decision), ("result", result)])
    }

    func testSignedSkippedAndMultipleFromCountOncePerMessage() async throws {
        let metrics = TestMetrics()
        let harness = try await MilterHarness(extraConfig: ["PeerList 192.0.2.50"],
                                              metrics: MilterMetrics(factory: metrics))
        var twoFroms = TestMessage.plain
        twoFroms.headers.append("From: Mallory <m@example.com>")
        for version: UInt32 in [2, 6] {
            let client = try harness.client(version: version)
            try client.open()
            _ = try client.send(.plain)
            _ = try client.send(twoFroms)
            try client.quit()
            let peer = try harness.client(version: version)
            try peer.open(clientAddress: "192.0.2.50", hostname: "peer.example.net")
            _ = try peer.send(.plain, clientAddress: "192.0.2.50")
            try peer.quit()
        }
        try await harness.shutdown()
        XCTAssertEqual(messages(metrics, "sign", "signed"), 2)
        XCTAssertEqual(messages(metrics, "skip", "multiple-from"), 2)
        XCTAssertEqual(messages(metrics, "skip", "peer-list"), 2)
        XCTAssertEqual(metrics.counterTotal(label: MilterMetrics.Name.signatures,
                                            dimensions: [("domain", "example.com"), ("selector", "mail"), ("algorithm", "rsa-sha256")]), 2)
        XCTAssertEqual(try metrics.expectTimer(MilterMetrics.Name.signingDuration).values.count, 2)
        XCTAssertEqual(metrics.counterTotal(label: MilterMetrics.Name.messages), 6)
    }

    func testAnOversizedHeaderSectionCountsAsUnhandledOnce() async throws {
        let metrics = TestMetrics()
        let harness = try await MilterHarness(extraConfig: ["MaximumHeaders 1000"], metrics: MilterMetrics(factory: metrics))
        var big = TestMessage.plain
        big.headers.append("X-Filler: " + String(repeating: "x", count: 2000))
        for version: UInt32 in [2, 6] {
            let client = try harness.client(version: version)
            try client.open()
            _ = try client.send(big)
            try client.quit()
        }
        try await harness.shutdown()
        XCTAssertEqual(messages(metrics, "unhandled", "error"), 2)
        XCTAssertEqual(metrics.counterTotal(label: MilterMetrics.Name.messages), 2)
    }

    func testKeyAgeGaugesFollowTheLoadedKeys() throws {
        let metrics = TestMetrics()
        let milter = MilterMetrics(factory: metrics)
        let key = try PrivateKey.generate(.ed25519)
        func entry(_ name: String, _ selector: String) throws -> LoadedKeys.Key {
            LoadedKeys.Key(entry: KeyTableEntry(name: name, domain: .fixed(DomainName("example.com")!),
                                                selector: Selector(selector)!, keyPath: "/k", location: .builtIn),
                           privateKey: key, fileModified: 1_000_000)
        }
        let now: Int64 = 1_000_000 + 3 * 86_400
        milter.refreshGauges(openConnections: 4, keys: LoadedKeys(keys: [try entry("a", "one"), try entry("b", "two")]), now: now)
        XCTAssertEqual(try metrics.expectGauge(MilterMetrics.Name.connectionsOpen).lastValue, 4)
        let dimensions = [("key", "a"), ("domain", "example.com"), ("selector", "one")]
        XCTAssertEqual(try metrics.expectGauge(MilterMetrics.Name.keyAge, dimensions).lastValue, 3)
        // After a reload without key "a", its gauge goes away.
        milter.refreshGauges(openConnections: 0, keys: LoadedKeys(keys: [try entry("b", "two")]), now: now)
        XCTAssertThrowsError(try metrics.expectGauge(MilterMetrics.Name.keyAge, dimensions))
        XCTAssertNoThrow(try metrics.expectGauge(MilterMetrics.Name.keyAge, [("key", "b"), ("domain", "example.com"), ("selector", "two")]))
    }
}
