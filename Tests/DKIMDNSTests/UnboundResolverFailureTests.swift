import DKIM
import XCTest

@testable import DKIMDNS

/// Timeouts, server failures, shutdown, cancellation and resource hygiene, against stub servers.
final class UnboundResolverFailureTests: XCTestCase {
    private func resolver(port: UInt16, timeout: Duration) throws -> UnboundResolver {
        try UnboundResolver(configuration: .init(nameservers: [Nameserver(host: "127.0.0.1", port: port)], timeout: timeout))
    }

    override func tearDown() {
        #if DEBUG
        // Every `mydata` box handed to libunbound was released: by its callback, after `ub_cancel`,
        // or at shutdown. Resolvers are shut down by the time each test returns.
        XCTAssertEqual(UnboundQueryLoop.QueryBox.live.withLock { $0 }, 0, "leaked query boxes")
        #endif
    }

    func testUnansweredQueryTimesOutAfterAboutTheTimeout() async throws {
        let server = try StubDNSServer(.silent)
        defer { server.stop() }
        let resolver = try resolver(port: server.port, timeout: .seconds(1))
        defer { resolver.shutdown() }
        let clock = ContinuousClock()
        let start = clock.now
        let result = await resolver.lookupTXT("sel._domainkey.example.com")
        let elapsed = clock.now - start
        XCTAssertEqual(result, .temporaryFailure("DNS timeout after 1 s for sel._domainkey.example.com"))
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(900))
        XCTAssertLessThan(elapsed, .seconds(6), "sanity bound, not a benchmark")
        XCTAssertGreaterThan(server.queriesReceived, 0)
    }

    func testServfailIsTemporaryFailure() async throws {
        let server = try StubDNSServer(.rcode(2))
        defer { server.stop() }
        let resolver = try resolver(port: server.port, timeout: .seconds(10))
        defer { resolver.shutdown() }
        let result = await resolver.lookupTXT("sel._domainkey.example.com")
        XCTAssertEqual(result, .temporaryFailure("DNS SERVFAIL for sel._domainkey.example.com"))
    }

    func testShutdownAnswersPendingLookups() async throws {
        let server = try StubDNSServer(.silent)
        defer { server.stop() }
        let resolver = try resolver(port: server.port, timeout: .seconds(60))
        let pending = Task { await resolver.lookupTXT("sel._domainkey.example.com") }
        while server.queriesReceived == 0 { try await Task.sleep(for: .milliseconds(20)) }
        resolver.shutdown()
        let result = await pending.value
        XCTAssertEqual(result, .temporaryFailure("resolver shut down"))
        let after = await resolver.lookupTXT("sel._domainkey.example.com")
        XCTAssertEqual(after, .temporaryFailure("resolver shut down"))
        resolver.shutdown()  // idempotent
    }

    func testTaskCancellationCancelsTheLookup() async throws {
        let server = try StubDNSServer(.silent)
        defer { server.stop() }
        let resolver = try resolver(port: server.port, timeout: .seconds(60))
        defer { resolver.shutdown() }
        let pending = Task { await resolver.lookupTXT("sel._domainkey.example.com") }
        while server.queriesReceived == 0 { try await Task.sleep(for: .milliseconds(20)) }
        pending.cancel()
        let result = await pending.value
        XCTAssertEqual(result, .temporaryFailure("DNS lookup for sel._domainkey.example.com cancelled"))
    }

    /// Runs `count` lookups, 100 at a time, and returns how many were temporary failures.
    private func failedLookups(_ resolver: UnboundResolver, count: Int) async -> Int {
        var failures = 0
        for batch in 0..<(count / 100) {
            failures += await withTaskGroup(of: Bool.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let result = await resolver.lookupTXT("k\(batch)-\(index)._domainkey.example.com")
                        if case .temporaryFailure = result { return true }
                        return false
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        return failures
    }

    /// 10,000 SERVFAIL answers (the figure): the descriptor count of a live resolver stays flat.
    func testFailedLookupsDoNotGrowDescriptorCount() async throws {
        let server = try StubDNSServer(.rcode(2))
        defer { server.stop() }
        let resolver = try resolver(port: server.port, timeout: .seconds(10))
        defer { resolver.shutdown() }
        _ = await failedLookups(resolver, count: 100)
        let before = try LoopbackSockets.openDescriptorCount()

        let failures = await failedLookups(resolver, count: 10_000)
        XCTAssertEqual(failures, 10_000)

        var after = try LoopbackSockets.openDescriptorCount()
        for _ in 0..<50 where after > before {  // an outgoing socket may still be closing
            try await Task.sleep(for: .milliseconds(100))
            after = try LoopbackSockets.openDescriptorCount()
        }
        XCTAssertLessThanOrEqual(after, before, "descriptors before: \(before), after: \(after)")
    }

    /// 2,000 lookups against a refused port with a short timeout: most are cancelled by our deadline
    /// while libunbound still retries them (it takes many seconds to declare a refusing server down),
    /// so descriptors are compared across the resolver's whole life instead.
    func testTimedOutLookupsLeaveNoDescriptorsAfterShutdown() async throws {
        let deadPort = try LoopbackSockets.freePort()
        let before = try LoopbackSockets.openDescriptorCount()
        let resolver = try resolver(port: deadPort, timeout: .milliseconds(250))
        let failures = await failedLookups(resolver, count: 2_000)
        XCTAssertEqual(failures, 2_000)
        resolver.shutdown()
        let after = try LoopbackSockets.openDescriptorCount()
        XCTAssertLessThanOrEqual(after, before, "descriptors before: \(before), after: \(after)")
    }

    func testCreatingAndShuttingDownResolversDoesNotLeakDescriptors() async throws {
        let deadPort = try LoopbackSockets.freePort()
        let before = try LoopbackSockets.openDescriptorCount()
        for _ in 0..<30 {
            let resolver = try resolver(port: deadPort, timeout: .milliseconds(100))
            _ = await resolver.lookupTXT("x.example.com")
            resolver.shutdown()
        }
        for _ in 0..<10 {
            _ = try resolver(port: deadPort, timeout: .milliseconds(100))  // dropped at once: deinit shuts down
        }
        let after = try LoopbackSockets.openDescriptorCount()
        XCTAssertLessThanOrEqual(after, before, "descriptors before: \(before), after: \(after)")
    }

    func testIPv6NameserverIsAccepted() throws {
        let resolver = try UnboundResolver(configuration: .init(nameservers: [Nameserver(parsing: "::1@5353")]))
        resolver.shutdown()
    }

    /// libunbound prints the parse error to stderr; the resolver refuses to start.
    func testGarbageTrustAnchorFileIsRejected() throws {
        let anchor = FileManager.default.temporaryDirectory.appendingPathComponent("dkimdns-bad-\(UUID().uuidString).key")
        defer { try? FileManager.default.removeItem(at: anchor) }
        try "this is not a DS record\n".write(to: anchor, atomically: true, encoding: .utf8)
        let configuration = ResolverConfiguration(nameservers: [try Nameserver(parsing: "127.0.0.1@1")], trustAnchorFile: anchor.path)
        XCTAssertThrowsError(try UnboundResolver(configuration: configuration)) { error in
            XCTAssertEqual(error as? DNSConfigurationError, .trustAnchor(""))
        }
    }
}
