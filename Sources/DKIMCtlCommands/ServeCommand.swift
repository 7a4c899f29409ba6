import ArgumentParser
import DKIMConfig
import DKIMMilter
import Logging
import MetricsEndpoint
import MilterServer
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl serve`: the milter, on an OpenDKIM configuration, in the foreground.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the DKIM milter on an opendkim.conf, in the foreground.",
        discussion: """
        Reads OpenDKIM's configuration file and its KeyTable, SigningTable and host lists, loads every key, \
        then listens on Socket (inet:PORT@HOST, inet6:PORT@HOST or local:/path; default inet:12301@localhost). \
        Logs to standard error, or to syslog with `Syslog yes`. SIGTERM or SIGINT: stop accepting, let open \
        connections finish, exit 0. SIGHUP or SIGUSR1: reload the configuration, tables and keys (a broken \
        one is reported and the running configuration kept; Socket, UserID, PidFile and UMask need a restart). \
        Under systemd Type=notify it reports READY, RELOADING, STOPPING and WATCHDOG (see contrib/). \
        A configuration problem stops the start with one line naming file:line.
        """
    )

    @Option(help: "The configuration file.")
    var config: String = "/etc/opendkim.conf"

    @Option(help: "Listen here instead of the configuration's Socket (e.g. inet:12301@localhost).")
    var socket: String?

    @Option(help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw CLIError("--log-level \(logLevel): use debug, info, notice, warning or error")
        }
        var configuration: DaemonConfiguration
        do { configuration = try DaemonConfiguration.load(contentsOf: config) } catch {
            throw CLIError("cannot start: \(error)", exitCode: 1)
        }
        if let socket { configuration.socket = socket }
        let metrics = configuration.metricsListen.map { _ in PrometheusMetrics() }
        let loaded: SettingsLoader.Loaded
        do { loaded = try SettingsLoader.load(configuration, metrics: metrics?.milter ?? .disabled) } catch {
            throw CLIError("cannot start: \(error)", exitCode: 1)
        }
        if configuration.syslog {
            SyslogLogHandler.bootstrap(ident: "dkimctl", facility: configuration.syslogFacility)
            LoggingSystem.bootstrap { label in
                var handler = SyslogLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "dkim-milter")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        if configuration.background {
            logger.notice("Background: running in the foreground; let the service manager (systemd) supervise the process")
        }
        if configuration.autoRestart {
            logger.notice("AutoRestart: not done in-process; use systemd's Restart=on-failure (see contrib/)")
        }

        let spec: SocketSpec
        do { spec = try SocketSpec(parsing: configuration.socket) } catch {
            let location = configuration.location(of: "Socket").map { "\($0): " } ?? ""
            throw CLIError("cannot start: \(location)\(error)", exitCode: 1)
        }
        // UMask for every file the daemon creates (the PidFile, a local: socket), as OpenDKIM sets it.
        if let mask = configuration.umask { umask(mode_t(mask)) }
        let pidFile = configuration.pidFile.map(PidFile.init(path:))
        let userID = configuration.userID
        let store = FilterSettingsStore(loaded.settings)
        let notifier = SystemdNotifier.fromEnvironment(logger: logger)
        let reloader = ConfigurationReloader(configPath: config, socketOverride: socket, loaded: loaded, store: store,
                                             logger: logger, notifier: notifier, metrics: metrics?.milter ?? .disabled)
        // Trap SIGHUP/SIGUSR1 now, before the socket is bound and READY=1 goes out.
        let reloadService = await ReloadService(reloader: reloader, notifier: notifier)
        let server = MilterServer(
            configuration: .init(socket: spec, umask: configuration.umask),
            filter: DKIMFilter(settings: store, metrics: metrics?.milter ?? .disabled),
            logger: logger,
            onBound: { _ in
                do {
                    try pidFile?.write()
                    if let userID {
                        try Privileges.drop(to: userID, socketPath: spec.unixPath)
                        logger.info("running as \(userID)")
                    }
                } catch {
                    logger.critical("cannot start: \(error)")
                    Glibc.exit(1)
                }
                notifier.ready()
            })
        // Bound before the milter socket, so it is bound before privileges are dropped.
        var endpoint: MetricsEndpoint?
        if let metrics, let listen = configuration.metricsListen {
            do {
                endpoint = try await MetricsEndpoint.bind(
                    host: listen.host, port: listen.port, registry: metrics.registry, logger: logger,
                    beforeScrape: { [weak server] in
                        metrics.milter.refreshGauges(openConnections: server?.openConnections ?? 0,
                                                     keys: reloader.current.settings.policy.keys, now: Int64(time(nil)))
                    })
            } catch {
                let location = configuration.location(of: "MetricsListen").map { "\($0): " } ?? ""
                throw CLIError("cannot start: \(location)\(error)", exitCode: 1)
            }
        }
        // Graceful shutdown runs in reverse order: stop reloading (and tell systemd STOPPING=1), drain the
        // server, stop serving metrics, then stop the watchdog pings.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WatchdogService(notifier: notifier), successTerminationBehavior: .ignore)]
        if let endpoint { services.append(.init(service: endpoint)) }
        services += [.init(service: server), .init(service: reloadService, successTerminationBehavior: .ignore)]
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        defer {
            if let problem = pidFile?.remove() { logger.warning("\(problem)") }
            reloader.current.shutdown()
        }
        do { try await group.run() } catch {
            throw CLIError("\(error)", exitCode: 1)
        }
    }
}
