import DKIMCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Reads private key files the way a careful daemon does: a clear reason for every failure, and a warning
/// when the file is readable by group or others (OpenDKIM's RequireSafeKeys check).
public enum KeyFile {
    public struct Loaded: Sendable {
        public let key: PrivateKey
        /// Set when the file's permissions are too open, with the text to show the administrator.
        public let permissionWarning: String?
    }

    public static func load(_ path: String) throws(CLIError) -> Loaded {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CLIError("cannot read key file \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CLIError("key file \(path) is not a regular file") }
        guard info.st_size <= 1 << 20 else { throw CLIError("key file \(path) is \(info.st_size) bytes: too large to be a key") }
        let bytes: [UInt8]
        do { bytes = try readFile(path) } catch { throw CLIError("cannot read key file \(path): \(error)") }
        guard !bytes.isEmpty else { throw CLIError("key file \(path) is empty") }
        let key: PrivateKey
        do { key = try PrivateKey(bytes: bytes) } catch {
            throw CLIError("key file \(path) is not a usable private key: \(error)")
        }
        var warning: String?
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            warning = "key file \(path) is readable by group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
        }
        return Loaded(key: key, permissionWarning: warning)
    }

    static func readFile(_ path: String) throws(CLIError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError(String(cString: strerror(errno)))
            }
            if count == 0 { return out }
            out.append(contentsOf: buffer[0..<count])
        }
    }
}
