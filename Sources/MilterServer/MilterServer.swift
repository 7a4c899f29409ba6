public import Logging
public import MilterProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The milter listener: binds the socket, gives each MTA connection its own handler and filter session,
/// and on graceful shutdown stops accepting, lets open connections finish up to a deadline, then closes them.
public final class MilterServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var socket: SocketSpec
        /// Largest milter packet accepted; checked before anything is allocated.
        public var maximumFrameSize: Int
        /// An MTA connection silent this long is closed (a client that stopped mid-packet).
        public var idleTimeout: TimeAmount
        /// How long open connections may take to finish after shutdown starts.
        public var shutdownGracePeriod: TimeAmount
        /// Applied while creating a Unix-domain socket file (OpenDKIM's UMask).
        public var umask: UInt32?

        public init(socket: SocketSpec, maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize,
                    idleTimeout: TimeAmount = .seconds(600), shutdownGracePeriod: TimeAmount = .seconds(30),
                    umask: UInt32? = nil) {
            self.socket = socket
            self.maximumFrameSize = maximumFrameSize
            self.idleTimeout = idleTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
            self.umask = umask
        }
    }

    private let configuration: Configuration
    private let filter: any MilterFilter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let onBound: @Sendable (SocketAddress) -> Void
    // NIOLockedValueBox rather than Synchronization.Mutex: the thread sanitizer sees its lock.
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let nextID = NIOLockedValueBox<UInt64>(1)

    /// `onBound` is told the bound address (useful with port 0 in tests, and to drop privileges after binding).
    public init(configuration: Configuration, filter: any MilterFilter, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.configuration = configuration
        self.filter = filter
        self.logger = logger
        self.group = group
        self.onBound = onBound
    }

    /// Open MTA connections right now.
    public var openConnections: Int { connections.withLockedValue { $0.count } }

    public func run() async throws {
        let address: SocketAddress
        do { address = try configuration.socket.resolve() } catch { throw MilterServerError(error.description) }
        if let path = configuration.socket.unixPath {
            do { try UnixSocketFile.prepare(path) } catch { throw MilterServerError(error.description) }
        }
        let listener = try await bind(address)
        logger.info("listening on \(configuration.socket)")
        onBound(listener.localAddress ?? address)

        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await listener.closeFuture.get()
            } onCancel: {
                listener.close(promise: nil)
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new connections; \(self.openConnections) open connection(s) may finish")
            listener.close(promise: nil)
        }
        await drainConnections()
        if let path = configuration.socket.unixPath { unlink(path) }
        logger.info("stopped")
    }

    private func bind(_ address: SocketAddress) async throws -> any Channel {
        let filter = self.filter
        let configuration = self.configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [logger] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptFailureLogger(logger: logger))
                }
            }
            .childChannelInitializer { [self] channel in
                let id = self.nextID.withLockedValue { value -> UInt64 in defer { value &+= 1 }; return value }
                var logger = self.logger
                logger[metadataKey: "conn"] = "\(id)"
                let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
                let session = filter.makeSession(MilterConnectionInfo(peer: peer, id: id, logger: logger))
                let handler = MilterChannelHandler(parser: MilterFrameParser(maximumFrameSize: configuration.maximumFrameSize),
                                                   configuration: filter.negotiation, session: session, logger: logger)
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    // TCP_NODELAY at the TCP level (`.socketOption(.tcp_nodelay)` would be SOL_SOCKET, that
                    // is SO_DEBUG, which needs CAP_NET_ADMIN). Replies are small and the MTA waits for them.
                    if configuration.socket.unixPath == nil {
                        do { try channel.syncOptions?.setOption(.tcpOption(.tcp_nodelay), value: 1) } catch {
                            logger.notice("cannot set TCP_NODELAY: \(error)")
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let previousMask: mode_t? = configuration.umask.map { umask(mode_t($0)) }
        defer { if let previousMask { umask(previousMask) } }
        do {
            return try await bootstrap.bind(to: address).get()
        } catch {
            throw MilterServerError("cannot listen on \(configuration.socket): \(error)")
        }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Waits for open connections to end by themselves, up to the grace period, then closes the rest.
    private func drainConnections() async {
        let deadline = NIODeadline.now() + configuration.shutdownGracePeriod
        while openConnections > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = connections.withLockedValue { Array($0.values) }
        if !remaining.isEmpty {
            logger.warning("closing \(remaining.count) connection(s) still open after the grace period")
            for channel in remaining { channel.close(promise: nil) }
        }
    }
}

/// Logs an accepted connection that could not be set up (NIO closes it and reports the error here), and
/// accept failures such as running out of descriptors.
private final class AcceptFailureLogger: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.error("cannot accept or set up a connection: \(error)")
        context.fireErrorCaught(error)
    }
}

public struct MilterServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
