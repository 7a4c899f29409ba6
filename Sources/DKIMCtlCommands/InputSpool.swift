#if canImport(Glibc)
import Glibc
#endif

/// Holds a copy of standard input so `sign` can print the message after the signature it computes from it.
/// Up to `memoryLimit` bytes stay in memory; beyond that the bytes go to an unlinked temporary file, so a
/// multi-gigabyte message costs disk, not memory.
final class InputSpool {
    private let memoryLimit: Int
    private var memory: [UInt8] = []
    private var fd: Int32 = -1

    init(memoryLimit: Int = 8 * 1024 * 1024) {
        self.memoryLimit = memoryLimit
    }

    deinit { if fd >= 0 { close(fd) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        if fd < 0 && memory.count + bytes.count <= memoryLimit {
            memory.append(contentsOf: bytes)
            return
        }
        if fd < 0 { try spill() }
        try StandardStreams.write(bytes, to: fd)
    }

    private func spill() throws {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/dkimctl-spool-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw CLIError("cannot create a temporary file in \(directory) for a large message: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        fd = descriptor
        try memory.withUnsafeBytes { try StandardStreams.write($0, to: fd) }
        memory = []
    }

    /// Writes everything held to `output`.
    func replay(to output: Int32) throws {
        guard fd >= 0 else {
            try memory.withUnsafeBytes { try StandardStreams.write($0, to: output) }
            return
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw CLIError("cannot rewind the spool file: \(String(cString: strerror(errno)))") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot read the spool file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            try StandardStreams.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: output)
        }
    }
}
