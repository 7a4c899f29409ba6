#if canImport(Glibc)
import Glibc
#endif

/// The PidFile: written after the socket is bound, removed at exit. A file left by a process that is gone
/// is replaced; one naming a live process stops the start (two daemons on one configuration).
public struct PidFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct PidFileError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The process id the file holds.
    public func processID() throws(PidFileError) -> Int32 {
        let text: String
        do { text = try String(contentsOfFileAtPath: path) } catch {
            throw PidFileError(description: "cannot read PidFile \(path): \(error)")
        }
        guard let pid = Int32(text.trimmingCharacters(in: " \n\t\r")), pid > 0 else {
            throw PidFileError(description: "PidFile \(path) does not hold a process id")
        }
        return pid
    }

    /// Whether process `pid` exists (also when it belongs to another user).
    public static func isRunning(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    public func write() throws(PidFileError) {
        if let pid = try? processID(), pid != getpid(), Self.isRunning(pid) {
            throw PidFileError(description: "PidFile \(path) names process \(pid), which is running: is another instance using this configuration?")
        }
        // A new file every time: never write through whatever is there (a symbolic link planted in a
        // shared directory would make root overwrite its target), and let UMask apply.
        if unlink(path) != 0 && errno != ENOENT {
            throw PidFileError(description: "cannot replace PidFile \(path): \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PidFileError(description: "cannot write PidFile \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let text = "\(getpid())\n"
        let written = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written == text.utf8.count else { throw PidFileError(description: "cannot write PidFile \(path): short write") }
    }

    /// Removes the file if it is still ours. Returns why it could not (after UserID dropped privileges, the
    /// file's directory must be writable by that user); the next start replaces a stale file anyway.
    @discardableResult
    public func remove() -> String? {
        guard (try? processID()) == getpid() else { return nil }
        guard unlink(path) == 0 else {
            return "cannot remove PidFile \(path): \(String(cString: strerror(errno))); the next start replaces it"
        }
        return nil
    }
}

extension String {
    init(contentsOfFileAtPath path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PidFile.PidFileError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n >= 0 else { throw PidFile.PidFileError(description: String(cString: strerror(errno))) }
        self = String(decoding: buffer[0..<n], as: UTF8.self)
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
