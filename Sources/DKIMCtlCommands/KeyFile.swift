import DKIMConfig
import DKIMCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Reads private key files for the command line: a clear reason for every failure, and a warning where the
/// daemon's RequireSafeKeys rule (``KeyFileSafety``, for the user running the command) would refuse the file.
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
        let problem = KeyFileSafety.currentProcess().problem(mode: UInt32(info.st_mode), ownerUID: UInt32(info.st_uid),
                                                             groupID: UInt32(info.st_gid))
        return Loaded(key: key, permissionWarning: problem.map { "key file \(path) is not safe: \($0); run chmod 600 \(path)" })
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
