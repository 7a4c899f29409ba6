import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension SocketSpec {
    /// The address to bind. Host names are resolved once, at start (blocking `getaddrinfo`, never on an event
    /// loop), within the spec's family: `inet:12301@localhost` is 127.0.0.1 even where localhost is also ::1.
    func resolve() throws(SocketSpecError) -> SocketAddress {
        switch self {
        case .unix(let path):
            do { return try SocketAddress(unixDomainSocketPath: path) } catch {
                throw SocketSpecError("socket local:\(path): \(error)")
            }
        case .inet(let host, let port):
            return try Self.resolve(host: host, port: port, family: AF_INET)
        case .inet6(let host, let port):
            return try Self.resolve(host: host, port: port, family: AF_INET6)
        }
    }

    private static func resolve(host: String, port: Int, family: Int32) throws(SocketSpecError) -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            guard literal.protocol.rawValue == family else {
                throw SocketSpecError("\(host) is not an \(family == AF_INET ? "IPv4" : "IPv6") address; use \(family == AF_INET ? "inet6" : "inet"):")
            }
            return literal
        }
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SocketSpecError("cannot resolve \(host) as \(family == AF_INET ? "IPv4" : "IPv6"): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        switch family {
        case AF_INET:
            let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            return SocketAddress(address, host: host)
        default:
            let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            return SocketAddress(address, host: host)
        }
    }
}

/// Unix-domain socket housekeeping: a socket file left by a dead process is replaced; a live one is not.
enum UnixSocketFile {
    static func prepare(_ path: String) throws(SocketSpecError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return } // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketSpecError("socket local:\(path): a file that is not a socket is in the way")
        }
        if isListening(path) {
            throw SocketSpecError("socket local:\(path): another process is already listening there")
        }
        guard unlink(path) == 0 else {
            throw SocketSpecError("socket local:\(path): cannot remove the stale socket: \(String(cString: strerror(errno)))")
        }
    }

    private static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }
}
