#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered reads from standard input and writes to standard output/error, in bounded chunks.
enum StandardStreams {
    static let chunkSize = 256 * 1024

    /// Calls `body` with successive chunks of standard input until end of file.
    static func readInput(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(0, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot read standard input: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32 = 1) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot write output: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    static func write(_ text: String, to fd: Int32 = 1) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0), to: fd) }
    }

    /// One line on stderr; failures to write it are ignored (there is nowhere left to report them).
    static func warn(_ line: String) {
        try? write("dkimctl: " + line + "\n", to: 2)
    }
}
