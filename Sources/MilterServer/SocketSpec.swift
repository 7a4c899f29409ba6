/// Where the milter listens, written as OpenDKIM and Postfix write it.
///
/// `inet:PORT@HOST`, `inet:PORT` (all IPv4 addresses), `inet6:PORT@HOST`, `inet6:PORT`, and `local:/path`,
/// `unix:/path` or a bare `/path` for a Unix-domain socket.
public enum SocketSpec: Sendable, Hashable, CustomStringConvertible {
    case inet(host: String, port: Int)
    case inet6(host: String, port: Int)
    case unix(path: String)

    /// The socket file's path for a Unix-domain socket; nil for TCP.
    public var unixPath: String? {
        if case .unix(let path) = self { return path }
        return nil
    }

    public init(parsing text: String) throws(SocketSpecError) {
        let spec = text.trimmingSpaces
        if spec.hasPrefix("/") {
            self = .unix(path: spec)
            return
        }
        guard let colon = spec.firstIndex(of: ":") else {
            throw SocketSpecError("socket \"\(text)\": expected inet:PORT@HOST, inet6:PORT@HOST or local:/path")
        }
        let scheme = spec[..<colon].lowercased()
        let rest = String(spec[spec.index(after: colon)...])
        switch scheme {
        case "local", "unix":
            guard rest.hasPrefix("/") else { throw SocketSpecError("socket \"\(text)\": the path must be absolute") }
            self = .unix(path: rest)
        case "inet", "inet6":
            let portText: Substring
            var host: String
            if let at = rest.firstIndex(of: "@") {
                portText = rest[..<at]
                host = String(rest[rest.index(after: at)...])
            } else {
                portText = Substring(rest)
                host = scheme == "inet" ? "0.0.0.0" : "::"
            }
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard let port = Int(portText), (0...65535).contains(port) else {
                throw SocketSpecError("socket \"\(text)\": port \"\(portText)\" is not a number from 0 to 65535")
            }
            guard !host.isEmpty else { throw SocketSpecError("socket \"\(text)\": empty host") }
            self = scheme == "inet" ? .inet(host: host, port: port) : .inet6(host: host, port: port)
        default:
            throw SocketSpecError("socket \"\(text)\": unknown type \"\(scheme)\" (use inet, inet6, local or unix)")
        }
    }

    public var description: String {
        switch self {
        case .inet(let host, let port): return "inet:\(port)@\(host)"
        case .inet6(let host, let port): return "inet6:\(port)@\(host)"
        case .unix(let path): return "local:\(path)"
        }
    }
}

public struct SocketSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
