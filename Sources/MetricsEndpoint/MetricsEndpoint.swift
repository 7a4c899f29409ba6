public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus
public import ServiceLifecycle

/// Serves a Prometheus registry as text at `GET /metrics` (the `MetricsListen` option). Bound up front by
/// ``bind(host:port:registry:logger:beforeScrape:)``, so that a port already in use stops the start with a
/// clear error and a low port is bound before privileges are dropped; `run()` then serves until shutdown.
public final class MetricsEndpoint: Service, Sendable {
    private let listener: any Channel
    private let logger: Logger

    /// Where it listens (the real port when bound to port 0).
    public var localAddress: SocketAddress? { listener.localAddress }

    private init(listener: any Channel, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    /// `beforeScrape` runs on the event loop before each scrape, to set gauges that are states (open
    /// connections, key ages): keep it quick and free of I/O.
    public static func bind(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
                            beforeScrape: @escaping @Sendable () -> Void = {},
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MetricsEndpoint {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(30)))
                    try channel.pipeline.syncOperations.addHandler(
                        MetricsRequestHandler(registry: registry, beforeScrape: beforeScrape))
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw MetricsEndpointError(description: "MetricsListen \(host):\(port): cannot listen: \(error)")
        }
        let boundPort = listener.localAddress?.port ?? port
        logger.info("serving metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)/metrics")
        return MetricsEndpoint(listener: listener, logger: logger)
    }

    public func run() async throws {
        let listener = self.listener
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await listener.closeFuture.get()
            } onCancel: {
                listener.close(promise: nil)
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
        }
    }

    /// Stops listening (for callers that never ran the service).
    public func close() async {
        try? await listener.close()
    }
}

public struct MetricsEndpointError: Error, CustomStringConvertible {
    public let description: String
}
