public import CoreMetrics
public import DKIMConfig
import Metrics
import Synchronization

/// What the milter counts, through swift-metrics, so any backend can collect it (`dkimctl serve` plugs in
/// Prometheus when `MetricsListen` is set). Names follow Prometheus conventions. Every label set is small:
/// decisions and results are fixed words, domains and selectors those of the KeyTable (a `%` domain stands
/// for the From domains our own users sign with), never something an outside sender wrote.
///
/// | name | type | labels |
/// |---|---|---|
/// | `dkim_messages_total` | counter | `decision` (sign, verify, skip, unhandled), `result` |
/// | `dkim_signatures_total` | counter | `domain`, `selector`, `algorithm` |
/// | `dkim_signing_duration_seconds` | histogram | |
/// | `dkim_dns_lookup_duration_seconds` | histogram | |
/// | `dkim_dns_errors_total` | counter | `kind` (temporary, permanent) |
/// | `dkim_milter_connections_open` | gauge | |
/// | `dkim_reloads_total` | counter | `result` (ok, failed) |
/// | `dkim_key_age_days` | gauge | `key`, `domain`, `selector` |
public final class MilterMetrics: Sendable {
    private let factory: any MetricsFactory
    private let signingDuration: Timer
    private let dnsDuration: Timer
    private let dnsTemporaryErrors: Counter
    private let dnsPermanentErrors: Counter
    private let reloadsOK: Counter
    private let reloadsFailed: Counter
    private let connectionsOpen: Gauge
    private let keyAges = Mutex<[KeyLabels: Gauge]>([:])
    /// Labelled counters, made once per label set rather than once per message.
    private let counters = Mutex<[[String]: Counter]>([:])

    /// Histogram buckets, for backends that need them up front (Prometheus): signing takes tens of
    /// microseconds (Ed25519) to a few milliseconds (RSA-4096 with a large header); DNS from a cache hit
    /// in the local resolver to the DNSTimeout.
    public static let signingBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .seconds(1),
    ]
    public static let dnsBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10),
    ]

    public enum Name {
        public static let messages = "dkim_messages_total"
        public static let signatures = "dkim_signatures_total"
        public static let signingDuration = "dkim_signing_duration_seconds"
        public static let dnsDuration = "dkim_dns_lookup_duration_seconds"
        public static let dnsErrors = "dkim_dns_errors_total"
        public static let connectionsOpen = "dkim_milter_connections_open"
        public static let reloads = "dkim_reloads_total"
        public static let keyAge = "dkim_key_age_days"
    }

    /// Counts nothing: for tests and `dkimctl serve` without `MetricsListen`.
    public static let disabled = MilterMetrics(factory: NOOPMetricsHandler.instance)

    public init(factory: any MetricsFactory) {
        self.factory = factory
        signingDuration = Timer(label: Name.signingDuration, dimensions: [], factory: factory)
        dnsDuration = Timer(label: Name.dnsDuration, dimensions: [], factory: factory)
        dnsTemporaryErrors = Counter(label: Name.dnsErrors, dimensions: [("kind", "temporary")], factory: factory)
        dnsPermanentErrors = Counter(label: Name.dnsErrors, dimensions: [("kind", "permanent")], factory: factory)
        reloadsOK = Counter(label: Name.reloads, dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = Counter(label: Name.reloads, dimensions: [("result", "failed")], factory: factory)
        connectionsOpen = Gauge(label: Name.connectionsOpen, dimensions: [], factory: factory)
    }

    /// One message done. `result` is a short keyword (see ``MessageOutcome``), never free text.
    func message(_ outcome: MessageOutcome) {
        increment(Name.messages, [("decision", outcome.decision), ("result", outcome.result)])
    }

    func signature(domain: String, selector: String, algorithm: String) {
        increment(Name.signatures, [("domain", domain), ("selector", selector), ("algorithm", algorithm)])
    }

    private func increment(_ label: String, _ dimensions: [(String, String)]) {
        let key = [label] + dimensions.flatMap { [$0.0, $0.1] }
        counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    func signing(took duration: Duration) { signingDuration.record(duration: duration) }

    func dnsLookup(took duration: Duration, error: DNSErrorKind?) {
        dnsDuration.record(duration: duration)
        switch error {
        case .temporary: dnsTemporaryErrors.increment()
        case .permanent: dnsPermanentErrors.increment()
        case nil: break
        }
    }

    enum DNSErrorKind { case temporary, permanent }

    public func reload(succeeded: Bool) {
        (succeeded ? reloadsOK : reloadsFailed).increment()
    }

    /// Sets the gauges that are a state rather than a count, just before they are read: open MTA
    /// connections, and the age of each loaded key file (keys no longer loaded are dropped).
    public func refreshGauges(openConnections: Int, keys: LoadedKeys, now: Int64) {
        connectionsOpen.record(openConnections)
        keyAges.withLock { gauges in
            var seen = Set<KeyLabels>()
            for key in keys.all {
                guard let modified = key.fileModified else { continue }
                let labels = KeyLabels(key: key.entry.name, domain: key.entry.domain.description,
                                       selector: key.entry.selector.description)
                seen.insert(labels)
                let gauge = gauges[labels] ?? Gauge(label: Name.keyAge, dimensions: labels.dimensions, factory: factory)
                gauges[labels] = gauge
                gauge.record(Double(max(0, now - modified)) / 86_400)
            }
            for (labels, gauge) in gauges where !seen.contains(labels) {
                gauge.destroy()
                gauges[labels] = nil
            }
        }
    }

    private struct KeyLabels: Hashable {
        var key: String
        var domain: String
        var selector: String
        var dimensions: [(String, String)] { [("key", key), ("domain", domain), ("selector", selector)] }
    }
}

/// How one message ended, in the two words `dkim_messages_total` is labelled with.
struct MessageOutcome: Equatable {
    var decision: String
    var result: String

    static let signed = MessageOutcome(decision: "sign", result: "signed")
    static let signingFailed = MessageOutcome(decision: "sign", result: "error")
    /// Too many header fields, an internal error: accepted unchanged.
    static let unhandled = MessageOutcome(decision: "unhandled", result: "error")

    static func skipped(_ keyword: String) -> MessageOutcome { MessageOutcome(decision: "skip", result: keyword) }

    /// The best of the signatures' results (pass first), `none` without a signature.
    static func verified(_ keywords: [String]) -> MessageOutcome {
        let order = ["pass", "policy", "fail", "neutral", "permerror", "temperror", "none"]
        let best = order.first { keywords.contains($0) } ?? "none"
        return MessageOutcome(decision: "verify", result: best)
    }
}
