#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file reads this module needs, with the operating system's own reason when they fail.
///
/// All of it is blocking I/O. It runs at start and on reload only, never per message; the caller runs it off
/// the event loop.
enum FileAccess {
    /// Mode, owner and type of a file, taken from `fstat` on the descriptor that was read.
    struct Status: Sendable {
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: Int
        /// Last modification, seconds since the epoch.
        var modified: Int64 = 0
        var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
        var isDirectory: Bool { mode & 0o170000 == 0o040000 }
        var permissions: UInt32 { mode & 0o7777 }
    }

    /// A failed read: errno and its text.
    struct Failure: Error, Sendable {
        var errorNumber: Int32
        var reason: String
        var isNotFound: Bool { errorNumber == ENOENT || errorNumber == ENOTDIR }
        var isPermissionDenied: Bool { errorNumber == EACCES || errorNumber == EPERM }
    }

    /// Reads a whole file, refusing anything larger than `limit` bytes or that is not a regular file.
    static func read(_ path: String, limit: Int = 16 << 20) -> Result<(bytes: [UInt8], status: Status), Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(failure(errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(failure(errno)) }
        let status = Status(mode: UInt32(st.st_mode), uid: UInt32(st.st_uid), gid: UInt32(st.st_gid), size: Int(st.st_size),
                            modified: Int64(st.st_mtim.tv_sec))
        guard status.isRegularFile else {
            return .failure(Failure(errorNumber: EINVAL, reason: status.isDirectory ? "is a directory" : "not a regular file"))
        }
        guard status.size <= limit else {
            return .failure(Failure(errorNumber: EFBIG, reason: "larger than \(limit) bytes"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(status.size)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(failure(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > limit { return .failure(Failure(errorNumber: EFBIG, reason: "larger than \(limit) bytes")) }
        }
        return .success((bytes, status))
    }

    /// Reads a text file (configuration, data set). Invalid UTF-8 is replaced, which only ever affects comments.
    static func readText(_ path: String) -> Result<String, Failure> {
        read(path).map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// Whether a regular file exists at `path` (following symbolic links).
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return UInt32(st.st_mode) & 0o170000 == 0o100000
    }

    /// `path` itself when absolute or when there is no base; otherwise `base/path`.
    static func resolve(_ path: String, against base: String?) -> String {
        guard !path.hasPrefix("/"), let base, !base.isEmpty else { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    private static func failure(_ code: Int32) -> Failure {
        Failure(errorNumber: code, reason: String(cString: strerror(code)))
    }
}

@inline(__always)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
