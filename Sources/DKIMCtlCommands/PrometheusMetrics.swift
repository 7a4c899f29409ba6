import DKIMMilter
import Prometheus

/// The milter's metrics kept in a Prometheus registry, with histogram buckets sized for what they time.
struct PrometheusMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let milter: MilterMetrics

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            MilterMetrics.Name.signingDuration: MilterMetrics.signingBuckets,
            MilterMetrics.Name.dnsDuration: MilterMetrics.dnsBuckets,
        ]
        milter = MilterMetrics(factory: factory)
    }
}
