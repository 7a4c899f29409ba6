import DKIM
import DKIMConfig
import DKIMCrypto
import DKIMDNS
import MilterServer
#if canImport(Glibc)
import Glibc
#endif

/// One line of `dkimctl check`'s report.
struct CheckFinding: Hashable {
    enum Severity: String {
        case error
        case warning
        /// Information that counts as neither (a skipped DNS check, a key that matched).
        case note
    }

    let severity: Severity
    let location: ConfigLocation?
    let message: String

    init(_ severity: Severity, _ message: String, at location: ConfigLocation? = nil) {
        self.severity = severity
        self.message = message
        self.location = location == .builtIn ? nil : location
    }

    /// `error: FILE:LINE: message`, the location left out when there is none.
    var line: String {
        "\(severity.rawValue): " + (location.map { "\($0): " } ?? "") + message
    }
}

/// The checks of `dkimctl check` that need no network: the configuration and its tables as the daemon
/// loads them, every key through ``KeyLoader`` (one KeyTable line at a time, so that every bad key is
/// reported, not only the first), and a few findings of its own.
struct ConfigurationCheck {
    /// Keys that loaded, with the line they came from, for the DNS comparison.
    private(set) var keys: [LoadedKeys.Key] = []
    private(set) var findings: [CheckFinding] = []
    private var seen: Set<CheckFinding> = []

    /// The loaded configuration, or nil when loading it failed (an error finding says why).
    private(set) var configuration: DaemonConfiguration?

    init(configPath: String) {
        let configuration: DaemonConfiguration
        do { configuration = try DaemonConfiguration.load(contentsOf: configPath) } catch let error as ConfigError {
            add(.error, error.message, at: error.location)
            return
        } catch {
            add(.error, "\(error)", at: ConfigLocation(file: configPath, line: 0))
            return
        }
        self.configuration = configuration
        for warning in configuration.warnings { add(.warning, warning.message, at: warning.location) }
        checkProcessSettings(configuration)
        checkHostLists(configuration)
        checkKeys(configuration)
    }

    mutating func add(_ severity: CheckFinding.Severity, _ message: String, at location: ConfigLocation? = nil) {
        let finding = CheckFinding(severity, message, at: location)
        if seen.insert(finding).inserted { findings.append(finding) }
    }

    var errorCount: Int { findings.filter { $0.severity == .error }.count }
    var warningCount: Int { findings.filter { $0.severity == .warning }.count }

    // MARK: - Settings `serve` parses after loading

    private mutating func checkProcessSettings(_ configuration: DaemonConfiguration) {
        do { _ = try SocketSpec(parsing: configuration.socket) } catch {
            add(.error, "Socket \(configuration.socket): \(error)", at: configuration.location(of: "Socket"))
        }
        for server in configuration.nameservers {
            do { _ = try Nameserver(parsing: server) } catch {
                add(.error, "Nameservers \(server): \(error)", at: configuration.location(of: "Nameservers"))
            }
        }
    }

    // MARK: - Host lists

    /// IPv6 entries not written in RFC 5952 form: they match, but are hard to find with grep or to compare
    /// with the addresses in the log, which are written canonically.
    private mutating func checkHostLists(_ configuration: DaemonConfiguration) {
        let lists = [("InternalHosts", configuration.internalHosts), ("ExternalIgnoreList", configuration.externalIgnoreList),
                     ("PeerList", configuration.peerList)]
        for (option, list) in lists {
            for entry in list.entries where entry.location != .builtIn {
                let body = entry.text.hasPrefix("!") ? String(entry.text.dropFirst()) : entry.text
                let canonical: String
                switch entry.pattern {
                case .address(let address) where address.family == .v6:
                    guard body != address.description else { continue }
                    canonical = address.description
                case .network(let network) where network.address.family == .v6:
                    let written = String(body.split(separator: "/").first ?? "")
                    // Host bits set: the loader has already warned, naming the range to write.
                    guard let address = IPAddress(written), address == network.address,
                          written != address.description else { continue }
                    canonical = network.description
                default:
                    continue
                }
                add(.warning, "\(option) entry \(quoted(entry.text)) is not in canonical IPv6 form; it matches, but write \(entry.isExclusion ? "!" : "")\(canonical) (RFC 5952), as the log writes addresses",
                    at: entry.location)
            }
        }
    }

    // MARK: - Keys

    private mutating func checkKeys(_ configuration: DaemonConfiguration) {
        guard configuration.mode.contains(.sign) else {
            if configuration.keyTable != nil || configuration.keyFile != nil {
                add(.note, "Mode \(configuration.mode) does not sign: keys are not loaded or checked", at: configuration.location(of: "Mode"))
            }
            return
        }
        if let table = configuration.keyTable {
            for entry in table.entries {
                let reached = configuration.isReachedBySigningTable(entry)
                if !reached {
                    let tableLocation = configuration.signingTable.map { " (\($0.location))" } ?? ""
                    add(.warning, "KeyTable key \(quoted(entry.name)) is not reached by any SigningTable line\(tableLocation): it never signs",
                        at: entry.location)
                }
                // The daemon's own loader, on a configuration holding just this line (required when reached).
                var single = configuration
                single.keyTable = KeyTable(entries: [entry], location: table.location)
                single.signingTable = SigningTable(
                    entries: reached ? [SigningTableEntry(pattern: "*", keyName: entry.name, signer: nil, location: entry.location)] : [],
                    isPatternTable: false, location: configuration.signingTable?.location ?? table.location)
                checkKey(entry, configuration: single, original: configuration)
            }
        } else if let keyFile = configuration.keyFile, let selector = configuration.selector {
            let entry = KeyTableEntry(name: LoadedKeys.keyFileName, domain: .senderDomain, selector: selector,
                                      keyPath: keyFile, location: configuration.location(of: "KeyFile") ?? .builtIn)
            checkKey(entry, configuration: configuration, original: configuration)
        } else {
            add(.warning, "Mode \(configuration.mode) includes signing but no key is configured (KeyTable or KeyFile): nothing will be signed",
                at: configuration.location(of: "Mode"))
        }
    }

    private mutating func checkKey(_ entry: KeyTableEntry, configuration: DaemonConfiguration, original: DaemonConfiguration) {
        let loaded: LoadedKeys
        do { loaded = try KeyLoader().loadKeys(for: configuration) } catch let error as ConfigError {
            add(.error, error.message, at: error.location)
            return
        } catch {
            add(.error, "\(error)", at: entry.location)
            return
        }
        for warning in loaded.warnings { add(.warning, warning.message, at: warning.location) }
        guard let key = loaded[entry.name] else { return }
        keys.append(key)

        let path = Self.resolve(entry.keyPath, against: original.baseDirectory)
        let subject = entry.name == LoadedKeys.keyFileName
            ? "KeyFile \(path)" : "KeyTable key \(quoted(entry.name)) (\(path))"
        // A file the safety rule refused already drew a warning above; a group-readable file it accepts
        // (a group of the daemon's user alone) is still worth a line.
        let keyWarnings = loaded.warnings.contains { $0.location == entry.location }
        var info = stat()
        if !keyWarnings, stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            add(.warning, "\(subject): the key file is readable or writable by group or others (mode 0\(mode)); chmod 600 it",
                at: entry.location)
        }
        let privateKey = key.privateKey
        if privateKey.type == .rsa && privateKey.bits < 2048 {
            add(.warning, "\(subject): the RSA key has \(privateKey.bits) bits; use 2048 or more (RFC 8301 calls 1024 a minimum, not a target)",
                at: entry.location)
        }
    }

    /// Relative key paths are relative to BaseDirectory when it is set, as ``KeyLoader`` reads them.
    static func resolve(_ path: String, against base: String?) -> String {
        guard !path.hasPrefix("/"), let base, !base.isEmpty else { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

/// A table key as the loader's own messages show it, in double quotes.
fileprivate func quoted(_ text: String) -> String { "\"\(text)\"" }
