import DKIMConfig
public import Logging
import Synchronization

/// Reloads the configuration (SIGHUP, or OpenDKIM's SIGUSR1): reads the file and every table and key again,
/// off the event loop, and swaps the new settings in atomically. A message keeps the settings it took at its
/// MAIL command, so one in flight finishes with the configuration it started with. A configuration that does
/// not load leaves the running one in place and is reported in one line with file:line.
///
/// The old settings' DNS resolver is not shut down explicitly: the reloader drops its reference, and the
/// resolver stops its thread in `deinit` once the last message holding the old settings is done. (An explicit
/// `shutdown()` could cut off the DNS lookups of such a message.)
public final class ConfigurationReloader: Sendable {
    public let configPath: String
    private let socketOverride: String?
    private let store: FilterSettingsStore
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let metrics: MilterMetrics
    private let running: Mutex<SettingsLoader.Loaded>

    /// Options read only at start: a change is named in a warning and waits for a restart.
    private static let startOnly: [(name: String, differs: @Sendable (DaemonConfiguration, DaemonConfiguration) -> Bool)] = [
        ("Socket", { $0.socket != $1.socket }),
        ("UserID", { $0.userID != $1.userID }),
        ("PidFile", { $0.pidFile != $1.pidFile }),
        ("UMask", { $0.umask != $1.umask }),
        ("Syslog", { $0.syslog != $1.syslog }),
        ("SyslogFacility", { $0.syslogFacility != $1.syslogFacility }),
        ("MetricsListen", { $0.metricsListen != $1.metricsListen }),
    ]
    public static var restartOptions: [String] { startOnly.map(\.name) }

    public init(configPath: String, socketOverride: String?, loaded: SettingsLoader.Loaded, store: FilterSettingsStore,
                logger: Logger, notifier: SystemdNotifier, metrics: MilterMetrics = .disabled) {
        self.configPath = configPath
        self.socketOverride = socketOverride
        self.store = store
        self.logger = logger
        self.notifier = notifier
        self.metrics = metrics
        self.running = Mutex(loaded)
    }

    /// The settings being served now.
    public var current: SettingsLoader.Loaded { running.withLock { $0 } }

    /// Reloads once; returns whether the new configuration is now in use.
    @discardableResult
    public func reload() async -> Bool {
        notifier.reloading()
        defer { notifier.ready() }
        let path = configPath
        let socketOverride = self.socketOverride
        let metrics = self.metrics
        // Blocking file I/O and key parsing: on a detached task, never on an event loop.
        let outcome: Result<SettingsLoader.Loaded, SettingsLoader.LoadError> = await Task.detached {
            do throws(SettingsLoader.LoadError) {
                return .success(try SettingsLoader.load(configPath: path, socketOverride: socketOverride, metrics: metrics))
            } catch {
                return .failure(error)
            }
        }.value
        let new: SettingsLoader.Loaded
        switch outcome {
        case .failure(let error):
            logger.error("reload failed, keeping the running configuration: \(error)")
            metrics.reload(succeeded: false)
            return false
        case .success(let loaded):
            new = loaded
        }
        let old = running.withLock { running in
            let old = running
            running = new
            return old
        }
        store.replace(with: new.settings)
        metrics.reload(succeeded: true)
        let change = Self.changes(from: old, to: new)
        for warning in new.warnings { logger.warning("\(warning)") }
        let tables = change.tables.isEmpty ? "tables unchanged"
            : "changed: " + change.tables.map { "\($0.name) +\($0.added)/-\($0.removed) lines" }.joined(separator: ", ")
        logger.notice("reloaded configuration from \(configPath): \(tables); \(change.keysAdded.count) key(s) added, \(change.keysRemoved.count) removed, \(new.settings.policy.keys.count) loaded")
        if !change.restartOptions.isEmpty {
            logger.warning("reload: \(change.restartOptions.joined(separator: ", ")) changed; still using the values read at start until a restart")
        }
        return true
    }

    public struct Change: Sendable, Equatable {
        public var keysAdded: [String]
        public var keysRemoved: [String]
        public var restartOptions: [String]
        /// The tables whose lines differ (by content, not by line number), in a fixed order.
        public var tables: [TableChange] = []
    }

    public struct TableChange: Sendable, Equatable {
        public var name: String
        public var added: Int
        public var removed: Int
    }

    /// What a reload from `old` to `new` changes: KeyTable names added and removed, and start-only options.
    public static func changes(from old: SettingsLoader.Loaded, to new: SettingsLoader.Loaded) -> Change {
        let oldNames = Set(old.settings.policy.keys.names)
        let newNames = Set(new.settings.policy.keys.names)
        let a = old.configuration, b = new.configuration
        let restart = startOnly.filter { $0.differs(a, b) }.map(\.name)
        var tables: [TableChange] = []
        func compare<Line: Hashable>(_ name: String, _ old: [Line], _ new: [Line]) {
            let before = Set(old), after = Set(new)
            let added = after.subtracting(before).count, removed = before.subtracting(after).count
            if added + removed > 0 { tables.append(TableChange(name: name, added: added, removed: removed)) }
        }
        compare("KeyTable", keyLines(a), keyLines(b))
        compare("SigningTable", (a.signingTable?.entries ?? []).map { [$0.pattern, $0.keyName, $0.signer ?? ""] },
                (b.signingTable?.entries ?? []).map { [$0.pattern, $0.keyName, $0.signer ?? ""] })
        compare("InternalHosts", a.internalHosts.entries.map(\.text), b.internalHosts.entries.map(\.text))
        compare("ExternalIgnoreList", a.externalIgnoreList.entries.map(\.text), b.externalIgnoreList.entries.map(\.text))
        compare("PeerList", a.peerList.entries.map(\.text), b.peerList.entries.map(\.text))
        return Change(keysAdded: newNames.subtracting(oldNames).sorted(),
                      keysRemoved: oldNames.subtracting(newNames).sorted(),
                      restartOptions: restart, tables: tables)
    }

    private static func keyLines(_ configuration: DaemonConfiguration) -> [[String]] {
        (configuration.keyTable?.entries ?? []).map { [$0.name, $0.domain.description, $0.selector.description, $0.keyPath] }
    }
}
