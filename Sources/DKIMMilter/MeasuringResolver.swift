import DKIM

/// Times every TXT lookup that reaches DNS and counts the failures. Sits under the cache, so a cache hit is
/// not a lookup.
struct MeasuringResolver: DKIMKeyResolver {
    let upstream: any DKIMKeyResolver
    let metrics: MilterMetrics

    func lookupTXT(_ name: String) async -> TXTLookupResult {
        let start = ContinuousClock.now
        let result = await upstream.lookupTXT(name)
        let error: MilterMetrics.DNSErrorKind?
        switch result {
        case .found, .notFound: error = nil
        case .temporaryFailure: error = .temporary
        case .permanentFailure: error = .permanent
        }
        metrics.dnsLookup(took: ContinuousClock.now - start, error: error)
        return result
    }
}
