import DKIM
import Foundation

/// Remembers answers from another resolver for a while, so that a burst of mail signed with one key
/// costs one DNS round trip.
///
/// Only final answers are kept: `.found` and `.notFound` (negative caching, RFC 2308). Temporary and
/// permanent failures are always passed through so that a retry really retries. Every entry lives for
/// `ttl` regardless of the record's DNS TTL, which the resolver protocol does not carry; keep it short.
/// At most `maximumEntries` names are kept; when full, expired entries go first, then the oldest.
/// Concurrent misses for one name are not merged: each goes to the wrapped resolver.
///
/// - SeeAlso: [RFC 2308](https://www.rfc-editor.org/rfc/rfc2308)
public final class CachingResolver: DKIMKeyResolver, @unchecked Sendable {
    private struct Entry {
        var result: TXTLookupResult
        var expires: ContinuousClock.Instant
    }

    private let upstream: any DKIMKeyResolver
    private let ttl: Duration
    private let maximumEntries: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    /// Wraps `upstream`; `ttl` must be positive and `maximumEntries` at least 1.
    public convenience init(
        wrapping upstream: any DKIMKeyResolver, ttl: Duration = .seconds(300), maximumEntries: Int = 10_000
    ) {
        self.init(wrapping: upstream, ttl: ttl, maximumEntries: maximumEntries, now: { ContinuousClock.now })
    }

    /// For tests: an injected clock.
    init(
        wrapping upstream: any DKIMKeyResolver, ttl: Duration, maximumEntries: Int,
        now: @escaping @Sendable () -> ContinuousClock.Instant
    ) {
        precondition(ttl > .zero, "CachingResolver ttl must be positive")
        precondition(maximumEntries >= 1, "CachingResolver maximumEntries must be at least 1")
        self.upstream = upstream
        self.ttl = ttl
        self.maximumEntries = maximumEntries
        self.now = now
    }

    /// The number of names currently held, expired or not.
    public var count: Int { lock.withLock { entries.count } }

    /// Forgets every answer, e.g. after a key rotation.
    public func removeAll() {
        lock.withLock { entries.removeAll() }
    }

    public func lookupTXT(_ name: String) async -> TXTLookupResult {
        let key = Self.key(name)
        let cached: TXTLookupResult? = lock.withLock {
            guard let entry = entries[key] else { return nil }
            if entry.expires > now() { return entry.result }
            entries[key] = nil
            return nil
        }
        if let cached { return cached }

        let result = await upstream.lookupTXT(name)
        switch result {
        case .found, .notFound:
            store(result, under: key)
        case .temporaryFailure, .permanentFailure:
            break
        }
        return result
    }

    private func store(_ result: TXTLookupResult, under key: String) {
        lock.withLock {
            let current = now()
            if entries[key] == nil, entries.count >= maximumEntries {
                entries = entries.filter { $0.value.expires > current }
                if entries.count >= maximumEntries,
                    let oldest = entries.min(by: { $0.value.expires < $1.value.expires })
                {
                    entries[oldest.key] = nil
                }
            }
            entries[key] = Entry(result: result, expires: current.advanced(by: ttl))
        }
    }

    /// DNS names compare case-insensitively and with or without the root dot.
    private static func key(_ name: String) -> String {
        var key = name.lowercased()
        if key.hasSuffix(".") { key.removeLast() }
        return key
    }
}
