#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A non-blocking pipe that lets any thread interrupt the resolver thread's `poll`.
///
/// Both ends are non-blocking so that `wake()` can never stall a caller (a full pipe already means a
/// wake-up is pending) and `drain()` can never stall the resolver thread.
///
/// The owner closes it explicitly (`close()`), at a point where it knows no thread can still write.
struct WakeupPipe {
    let readFD: Int32
    let writeFD: Int32

    init() throws(DNSConfigurationError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .unbound("pipe() failed: errno \(errno)") }
        for fd in fds {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }

    func close() {
        _ = closeFD(readFD)
        _ = closeFD(writeFD)
    }
}

private func closeFD(_ fd: Int32) -> Int32 {
    #if canImport(Darwin)
    Darwin.close(fd)
    #elseif canImport(Musl)
    Musl.close(fd)
    #else
    Glibc.close(fd)
    #endif
}
