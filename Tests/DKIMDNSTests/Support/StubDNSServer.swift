import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP "DNS server" on loopback that either never answers (to provoke timeouts) or answers every
/// query with a fixed RCODE (to provoke SERVFAIL without depending on dnsmasq's forwarding behaviour).
final class StubDNSServer: @unchecked Sendable {
    enum Behaviour {
        case silent
        case rcode(UInt8)
    }

    let port: UInt16
    private let fd: Int32
    private let behaviour: Behaviour
    private let lock = NSCondition()
    private var stopping = false
    private var finished = false
    private var received = 0

    /// Number of queries received so far.
    var queriesReceived: Int { lock.withLock { received } }

    init(_ behaviour: Behaviour) throws {
        (fd, port) = try LoopbackSockets.bindUDP()
        self.behaviour = behaviour
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ stopping }) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) == 1 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            guard count >= 12 else { continue }
            lock.withLock { received += 1 }
            guard case .rcode(let rcode) = behaviour else { continue }
            // Echo header and question only; QR=1, keep RD, RA=1, the chosen RCODE, no records.
            var end = 12
            while end < count, buffer[end] != 0 { end += Int(buffer[end]) + 1 }
            end += 5
            guard end <= count else { continue }
            var reply = Array(buffer[..<end])
            reply[2] = 0x80 | (reply[2] & 0x01)
            reply[3] = 0x80 | (rcode & 0x0f)
            for index in 6..<12 { reply[index] = 0 }
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) }
            }
        }
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }

    func stop() {
        lock.lock()
        if !stopping {
            stopping = true
            while !finished { lock.wait() }
            close(fd)
        }
        lock.unlock()
    }

    deinit { stop() }
}
