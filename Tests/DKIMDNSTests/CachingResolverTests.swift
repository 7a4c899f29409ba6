import DKIM
import Foundation
import XCTest

@testable import DKIMDNS

final class CachingResolverTests: XCTestCase {
    /// Answers from a table and counts how often each name was asked.
    final class CountingResolver: DKIMKeyResolver, @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [String: TXTLookupResult]
        private var counts: [String: Int] = [:]

        init(_ answers: [String: TXTLookupResult]) { self.answers = answers }

        func calls(_ name: String) -> Int { lock.withLock { counts[name, default: 0] } }
        func set(_ name: String, _ result: TXTLookupResult) { lock.withLock { answers[name] = result } }

        func lookupTXT(_ name: String) async -> TXTLookupResult {
            lock.withLock {
                counts[name, default: 0] += 1
                return answers[name] ?? .notFound("no TXT record at \(name)")
            }
        }
    }

    /// A clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var offset = Duration.zero
        private let base = ContinuousClock.now
        var now: ContinuousClock.Instant { lock.withLock { base.advanced(by: offset) } }
        func advance(_ by: Duration) { lock.withLock { offset += by } }
    }

    private let found = TXTLookupResult.found([Array("v=DKIM1; p=abc".utf8)], dnssec: .unknown)

    func testCachesFoundAndNotFoundCaseInsensitively() async {
        let upstream = CountingResolver(["sel._domainkey.example.com": found])
        let cache = CachingResolver(wrapping: upstream)
        let first = await cache.lookupTXT("sel._domainkey.example.com")
        let second = await cache.lookupTXT("SEL._domainkey.Example.COM.")
        XCTAssertEqual(first, found)
        XCTAssertEqual(second, found)
        XCTAssertEqual(upstream.calls("sel._domainkey.example.com"), 1)

        _ = await cache.lookupTXT("missing.example.com")
        _ = await cache.lookupTXT("missing.example.com")
        XCTAssertEqual(upstream.calls("missing.example.com"), 1)
        XCTAssertEqual(cache.count, 2)
    }

    func testDoesNotCacheFailures() async {
        let upstream = CountingResolver([
            "temp.example.com": .temporaryFailure("DNS timeout"),
            "perm.example.com": .permanentFailure("DNSSEC validation failed: x"),
        ])
        let cache = CachingResolver(wrapping: upstream)
        for _ in 0..<3 {
            _ = await cache.lookupTXT("temp.example.com")
            _ = await cache.lookupTXT("perm.example.com")
        }
        XCTAssertEqual(upstream.calls("temp.example.com"), 3)
        XCTAssertEqual(upstream.calls("perm.example.com"), 3)
        XCTAssertEqual(cache.count, 0)
    }

    func testEntriesExpireAfterTTL() async {
        let upstream = CountingResolver(["k.example.com": found])
        let clock = ManualClock()
        let cache = CachingResolver(wrapping: upstream, ttl: .seconds(300), maximumEntries: 10, now: { clock.now })
        _ = await cache.lookupTXT("k.example.com")
        clock.advance(.seconds(299))
        _ = await cache.lookupTXT("k.example.com")
        XCTAssertEqual(upstream.calls("k.example.com"), 1)

        upstream.set("k.example.com", .notFound("gone"))
        clock.advance(.seconds(2))
        let refreshed = await cache.lookupTXT("k.example.com")
        XCTAssertEqual(refreshed, .notFound("gone"))
        XCTAssertEqual(upstream.calls("k.example.com"), 2)
    }

    func testEntryCountIsBoundedAndOldestGoesFirst() async {
        let upstream = CountingResolver([:])
        let clock = ManualClock()
        let cache = CachingResolver(wrapping: upstream, ttl: .seconds(300), maximumEntries: 3, now: { clock.now })
        for index in 0..<10 {
            _ = await cache.lookupTXT("n\(index).example.com")
            clock.advance(.seconds(1))
            XCTAssertLessThanOrEqual(cache.count, 3)
        }
        _ = await cache.lookupTXT("n9.example.com")
        XCTAssertEqual(upstream.calls("n9.example.com"), 1, "newest entry kept")
        _ = await cache.lookupTXT("n0.example.com")
        XCTAssertEqual(upstream.calls("n0.example.com"), 2, "oldest entry evicted")

        cache.removeAll()
        XCTAssertEqual(cache.count, 0)
    }
}
