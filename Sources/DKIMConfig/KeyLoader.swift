import DKIMCrypto

/// Loads every signing key a configuration names, once, with `DKIMCrypto.PrivateKey(bytes:)`.
///
/// Reading files is blocking I/O; it runs at start and on reload only, never per message, and the caller
/// runs it off the event loop. OpenDKIM reads KeyTable keys lazily per message; loading them up front
/// means a missing or unsafe key stops the start instead of failing mail later.
///
/// Each failure is a ``ConfigError`` that names the KeyTable line (or the KeyFile setting) and the key path:
/// a missing file, one the daemon may not read, one that is not a regular file, an empty file, a file that
/// holds no RSA or Ed25519 private key, an RSA key below `MinimumKeyBits`, and — with `RequireSafeKeys`
/// on, the default — a file that fails ``KeyFileSafety``. With `RequireSafeKeys no` an unsafe file is a
/// warning instead.
///
/// A KeyTable line that no SigningTable line can reach is still loaded, but its failure is only a warning:
/// OpenDKIM would never have opened it, so it must not stop a configuration that OpenDKIM accepts.
public struct KeyLoader: Sendable {
    /// The ownership and permission rule; nil means the rule for `UserID`'s user, or for the current
    /// process when `UserID` is not set (or names no existing user).
    public var safety: KeyFileSafety?

    public init(safety: KeyFileSafety? = nil) {
        self.safety = safety
    }

    /// The keys `configuration` signs with. Verify-only configurations (`Mode v`) load none.
    public func loadKeys(for configuration: DaemonConfiguration) throws -> LoadedKeys {
        guard configuration.mode.contains(.sign) else { return .none }
        var warnings: [ConfigWarning] = []
        let safety = self.safety ?? KeyLoader.defaultSafety(for: configuration, warnings: &warnings)

        var wanted: [(entry: KeyTableEntry, required: Bool)] = []
        if let table = configuration.keyTable {
            let signingEntries = configuration.signingTable?.entries ?? []
            let everything = signingEntries.contains { $0.keyName == "%" }
            let referenced = Set(signingEntries.compactMap { table.entry(named: $0.keyName)?.name })
            wanted = table.entries.map { ($0, everything || referenced.contains($0.name)) }
        } else if let keyFile = configuration.keyFile, let selector = configuration.selector {
            let entry = KeyTableEntry(name: LoadedKeys.keyFileName, domain: .senderDomain, selector: selector,
                                      keyPath: keyFile, location: configuration.location(of: "KeyFile") ?? .builtIn)
            wanted = [(entry, true)]
        }

        var cache: [String: Result<(PrivateKey, modified: Int64), KeyProblem>] = [:]
        var keys: [LoadedKeys.Key] = []
        for (entry, required) in wanted {
            let path = FileAccess.resolve(entry.keyPath, against: configuration.baseDirectory)
            let result = cache[path] ?? KeyLoader.read(path, configuration: configuration, safety: safety)
            cache[path] = result
            let subject = entry.name == LoadedKeys.keyFileName
                ? "KeyFile \(path)" : "KeyTable key \(ConfigText.quoted(entry.name)) (\(path))"
            switch result {
            case .success(let (key, modified)):
                keys.append(LoadedKeys.Key(entry: entry, privateKey: key, fileModified: modified))
            case .failure(.unsafe(let why, let key, let modified)):
                if configuration.requireSafeKeys {
                    let message = "\(subject): key file is not safe: \(why); chmod 600 it (or set RequireSafeKeys no)"
                    if required { throw ConfigError.badKey(message, at: entry.location) }
                    warnings.append(ConfigWarning(.ineffective, message + "; the key is not used by the SigningTable, so it is skipped", at: entry.location))
                } else {
                    warnings.append(ConfigWarning(.unsafeKeyFile, "\(subject): key file is not safe: \(why); used anyway because RequireSafeKeys is off", at: entry.location))
                    keys.append(LoadedKeys.Key(entry: entry, privateKey: key, fileModified: modified))
                }
            case .failure(.unusable(let why)):
                let message = "\(subject): \(why)"
                if required { throw ConfigError.badKey(message, at: entry.location) }
                warnings.append(ConfigWarning(.ineffective, message + "; the key is not used by the SigningTable, so it is skipped", at: entry.location))
            }
        }
        return LoadedKeys(keys: keys, warnings: warnings)
    }

    private enum KeyProblem: Error {
        /// The key reads but its file fails the RequireSafeKeys rule.
        case unsafe(String, PrivateKey, modified: Int64)
        case unusable(String)
    }

    private static func read(_ path: String, configuration: DaemonConfiguration,
                             safety: KeyFileSafety) -> Result<(PrivateKey, modified: Int64), KeyProblem> {
        let bytes: [UInt8]
        let status: FileAccess.Status
        switch FileAccess.read(path, limit: 1 << 20) {
        case .success(let file):
            (bytes, status) = file
        case .failure(let failure):
            if failure.isNotFound { return .failure(.unusable("the key file does not exist")) }
            if failure.isPermissionDenied {
                return .failure(.unusable("the key file cannot be read: permission denied (the daemon's user must be able to read it)"))
            }
            return .failure(.unusable("the key file cannot be read: \(failure.reason)"))
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return .failure(.unusable("the key file is empty"))
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(bytes: bytes)
        } catch {
            return .failure(.unusable("the file holds no usable private key: \(error)"))
        }
        if key.type == .rsa && key.bits < configuration.minimumKeyBits {
            return .failure(.unusable("the RSA key has \(key.bits) bits, below MinimumKeyBits \(configuration.minimumKeyBits)"))
        }
        if let why = safety.problem(mode: status.mode, ownerUID: status.uid, groupID: status.gid) {
            return .failure(.unsafe(why, key, modified: status.modified))
        }
        return .success((key, status.modified))
    }

    private static func defaultSafety(for configuration: DaemonConfiguration,
                                      warnings: inout [ConfigWarning]) -> KeyFileSafety {
        guard let user = configuration.userID?.user else { return .currentProcess() }
        if let safety = KeyFileSafety.user(named: user) { return safety }
        warnings.append(ConfigWarning(
            .ineffective,
            "UserID names user \(ConfigText.quoted(user)), which does not exist here; key ownership is checked against the current user",
            at: configuration.location(of: "UserID") ?? .builtIn))
        return .currentProcess()
    }
}
