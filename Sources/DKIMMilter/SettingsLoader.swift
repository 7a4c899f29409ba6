import DKIM
public import DKIMConfig
import DKIMDNS
import Logging

/// Turns an opendkim.conf into ready-to-use filter settings: parses the file and its tables, loads and checks
/// every key, sets up DNS. Everything that can be wrong is found here, at start (or reload), with the
/// file:line of the cause, never while mail is flowing. Blocking file I/O: call it off any event loop.
public enum SettingsLoader {
    public struct Loaded: Sendable {
        public var settings: FilterSettings
        public var configuration: DaemonConfiguration
        /// Non-fatal findings (unknown options, OpenDKIM quirks, loose key permissions when allowed).
        public var warnings: [String]
        /// Call when the settings are no longer used (stops the DNS resolver's thread).
        public var shutdown: @Sendable () -> Void
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `metrics` gets the DNS lookup figures of the loaded resolver.
    public static func load(configPath: String, socketOverride: String? = nil,
                            metrics: MilterMetrics = .disabled) throws(LoadError) -> Loaded {
        var configuration: DaemonConfiguration
        do { configuration = try DaemonConfiguration.load(contentsOf: configPath) } catch {
            throw LoadError(description: "\(error)")
        }
        if let socketOverride { configuration.socket = socketOverride }
        return try load(configuration, metrics: metrics)
    }

    public static func load(_ configuration: DaemonConfiguration,
                            metrics: MilterMetrics = .disabled) throws(LoadError) -> Loaded {
        let keys: LoadedKeys
        do { keys = try KeyLoader().loadKeys(for: configuration) } catch { throw LoadError(description: "\(error)") }
        var warnings = configuration.warnings.map(\.description) + keys.warnings.map(\.description)

        let nameservers: [Nameserver]
        do { nameservers = try configuration.nameservers.map { try Nameserver(parsing: $0) } } catch {
            let location = configuration.location(of: "Nameservers").map { "\($0): " } ?? ""
            throw LoadError(description: "\(location)Nameservers: \(error)")
        }
        let resolver: UnboundResolver
        do {
            resolver = try UnboundResolver(configuration: ResolverConfiguration(
                nameservers: nameservers, timeout: .seconds(Int64(max(1, configuration.dnsTimeout))),
                trustAnchorFile: configuration.trustAnchorFile))
        } catch {
            throw LoadError(description: "DNS resolver: \(error)")
        }
        let cached = CachingResolver(wrapping: MeasuringResolver(upstream: resolver, metrics: metrics))
        if configuration.mode.contains(.sign) && keys.count == 0 {
            warnings.append("Mode includes signing but no key is configured (KeyTable or KeyFile): nothing will be signed")
        }
        let authservID: String?
        switch configuration.authservID {
        case .none: authservID = nil
        case .hostName: authservID = HostName.current()
        case .literal(let text): authservID = text
        }
        let settings = FilterSettings(
            policy: SigningPolicy(configuration: configuration, keys: keys),
            resolver: cached,
            authservID: authservID,
            verification: VerificationOptions(now: { UInt64(time(nil)) },
                                              maximumSignatures: configuration.maximumSignaturesToVerify,
                                              minimumRSAKeyBits: configuration.minimumKeyBits),
            // OpenDKIM's MaximumHeaders counts header bytes (0: no limit); the field count keeps its default.
            maximumHeaderBytes: configuration.maximumHeaders == 0 ? Int.max : configuration.maximumHeaders)
        return Loaded(settings: settings, configuration: configuration, warnings: warnings,
                      shutdown: { resolver.shutdown() })
    }
}

#if canImport(Glibc)
import Glibc
#endif
